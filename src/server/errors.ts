import { defineErrors } from '../core/index.ts';

/**
 * The HTTP server's error catalogue; every code starts with SERVER_ and is never reused.
 * An API error answers `{ error: { code, message, fix } }` with the status of `HTTP_STATUS`.
 */
export const serverErrors = defineErrors('server', {
  SERVER_UNAUTHORIZED: {
    cause: 'An API request carried no bearer token, or one that is not in the token file (unknown or revoked).',
    fix: "Send 'Authorization: Bearer <token>'; make a token with 'bootmedic token create --role viewer'.",
    exit: 'input',
  },
  SERVER_FORBIDDEN: {
    cause: "The token's role may not do this: a viewer token asked for an operator action (a drill, a heal).",
    fix: "Use an operator token ('bootmedic token create --role operator').",
    exit: 'input',
  },
  SERVER_AUTH_THROTTLED: {
    cause: 'Too many requests with a wrong token came from this address within a minute; it is refused until the minute is over.',
    fix: 'Wait for the time in the Retry-After header, then retry with a valid token.',
    exit: 'busy',
  },
  SERVER_BAD_REQUEST: {
    cause: 'A path parameter, query parameter or JSON body of an API request does not match its schema (the message names the field).',
    fix: 'Correct the named field; the schemas are in GET /api/v1/openapi.json.',
    exit: 'input',
  },
  SERVER_NOT_FOUND: {
    cause: 'The API has no such route, or the VM, boot, incident, drill or ledger entry named in the path does not exist.',
    fix: 'Check the name or id (GET /api/v1/vms, /incidents, /drills list them); the routes are in GET /api/v1/openapi.json.',
    exit: 'input',
  },
  SERVER_BODY_TOO_LARGE: {
    cause: 'A request body is larger than the server accepts (64 KiB by default).',
    fix: 'Send a smaller body; API bodies are small JSON objects.',
    exit: 'input',
  },
  SERVER_CONFLICT: {
    cause: 'The action cannot start now: a drill is already running.',
    fix: 'Wait for the running drill to end (GET /api/v1/drills), then retry.',
    exit: 'busy',
  },
  SERVER_NOT_READY: {
    cause: 'The service has not finished starting: its VM sources are not all read yet.',
    fix: 'Retry in a few seconds; GET /readyz answers 200 once it is ready.',
    exit: 'unavailable',
  },
  SERVER_INTERNAL: {
    cause: 'The server failed while answering a request (a bug or a broken store); the details are in its log, not in the response.',
    fix: "Look at the log of 'bootmedic serve' for the request's error, and report it if it is a bug.",
    exit: 'unavailable',
  },
  SERVER_PLAIN_HTTP_REFUSED: {
    cause: 'The server was asked to listen on an address other than loopback without TLS: tokens would cross the network in clear.',
    fix: 'Give a TLS certificate and key (tls.cert and tls.key in the config, or --tls-cert and --tls-key), listen on 127.0.0.1, or pass --allow-plain-http if a proxy in front terminates TLS.',
    exit: 'usage',
  },
  SERVER_BAD_LISTEN: {
    cause: 'The listen address is not HOST:PORT with a port from 0 to 65535.',
    fix: 'Give --listen 127.0.0.1:8080 (or [::1]:8080 for IPv6).',
    exit: 'usage',
  },
  SERVER_LISTEN_FAILED: {
    cause: 'The server could not listen on the address: the port is taken, or the address is not one of this host.',
    fix: 'Pick another port (--listen 127.0.0.1:0 picks a free one) or stop the program that holds it.',
    exit: 'unavailable',
  },
  SERVER_BAD_TOKEN_FILE: {
    cause: 'The token file (<home>/tokens.json) is not the JSON bootmedic writes, or is readable by other users.',
    fix: "Delete it and make new tokens with 'bootmedic token create'; keep it mode 0600.",
    exit: 'input',
  },
  SERVER_TOKEN_UNKNOWN: {
    cause: 'No token has the id given to token revoke.',
    fix: "List the tokens' ids with 'bootmedic token list'.",
    exit: 'input',
  },
});

export type ServerErrorCode = keyof typeof serverErrors.catalogue.codes;

/** The HTTP status of each API error code. */
export const HTTP_STATUS: Readonly<Record<ServerErrorCode, number>> = Object.freeze({
  SERVER_UNAUTHORIZED: 401,
  SERVER_FORBIDDEN: 403,
  SERVER_AUTH_THROTTLED: 429,
  SERVER_BAD_REQUEST: 400,
  SERVER_NOT_FOUND: 404,
  SERVER_BODY_TOO_LARGE: 413,
  SERVER_CONFLICT: 409,
  SERVER_NOT_READY: 503,
  SERVER_INTERNAL: 500,
  SERVER_PLAIN_HTTP_REFUSED: 500,
  SERVER_BAD_LISTEN: 500,
  SERVER_LISTEN_FAILED: 500,
  SERVER_BAD_TOKEN_FILE: 500,
  SERVER_TOKEN_UNKNOWN: 404,
});
