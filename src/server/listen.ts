import { isIP } from 'node:net';
import { isLoopback } from '../service/index.ts';
import { serverErrors } from './errors.ts';

// Where the server listens, and the rule that keeps tokens off the network in clear: a
// non-loopback address needs TLS, or the operator's explicit word that a proxy in front
// terminates TLS (--allow-plain-http / allowPlainHttp).

export type ListenAddress = Readonly<{ host: string; port: number }>;
export type TlsFiles = Readonly<{ cert: string; key: string }>;

/** The default: loopback only (the service config's default too). */
export const DEFAULT_LISTEN: ListenAddress = Object.freeze({ host: '127.0.0.1', port: 7878 });

/** Parses `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (loopback). */
export function parseListen(text: string): ListenAddress {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) throw serverErrors.make('SERVER_BAD_LISTEN', `listen address ${JSON.stringify(text)} is not HOST:PORT`);
  const host = m[1] ?? (m[2] === '' || m[2] === undefined ? DEFAULT_LISTEN.host : m[2]);
  if (m[1] !== undefined && isIP(host) !== 6) throw serverErrors.make('SERVER_BAD_LISTEN', `listen address ${JSON.stringify(text)}: ${host} is not an IPv6 address`);
  return Object.freeze({ host, port });
}

/** True for addresses only this host can reach (the service config's rule, one for both). */
export { isLoopback };

/** Throws SERVER_PLAIN_HTTP_REFUSED for plain HTTP on an address other hosts can reach. */
export function checkPlainHttp(addr: ListenAddress, tls: TlsFiles | undefined, allowPlainHttp: boolean): void {
  if (tls !== undefined || allowPlainHttp || isLoopback(addr.host)) return;
  throw serverErrors.make('SERVER_PLAIN_HTTP_REFUSED', `refusing plain HTTP on ${addr.host}:${addr.port}: tokens would cross the network in clear`);
}

/** The URL clients use for an address the server listens on. */
export function urlOf(host: string, port: number, tls: boolean): string {
  const h = isIP(host) === 6 ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  return `${tls ? 'https' : 'http'}://${h}:${port}`;
}
