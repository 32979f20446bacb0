import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readGuardedText, writeFileAtomic } from '../core/index.ts';
import { serverErrors } from './errors.ts';

// API tokens: 32 random bytes, base64url, shown once. The token file keeps only their
// SHA-256 (a token is as random as a key, so a plain hash is enough: nothing to brute-force),
// with an id to list and revoke them by and a role.

export const ROLES = ['viewer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** A role may do what it names and everything below it. */
export const roleAllows = (have: Role, need: Role): boolean => have === 'operator' || need === 'viewer';

const TokenRecord = z.object({
  id: z.string().regex(/^[0-9a-f]{8}$/),
  role: z.enum(ROLES),
  hash: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  created: z.string(),
});
const TokenFile = z.object({ version: z.literal(1), tokens: z.array(TokenRecord) });
export type TokenRecord = z.infer<typeof TokenRecord>;
/** What the server knows about the caller once its token checked out. */
export type TokenInfo = Readonly<{ id: string; role: Role }>;

const MAX_BYTES = 1 << 20;
const PREFIX = 'bmt_';

export const tokenFilePath = (home: string) => join(home, 'tokens.json');
export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('base64url');

/** Reads the token file; a missing file holds no tokens. */
export function readTokens(file: string): TokenRecord[] {
  if (!existsSync(file)) return [];
  const text = readGuardedText(file, { what: 'token file', maxBytes: MAX_BYTES });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw serverErrors.make('SERVER_BAD_TOKEN_FILE', `token file ${file}: not JSON (${(cause as Error).message})`, { cause });
  }
  const r = TokenFile.safeParse(raw);
  if (!r.success) throw serverErrors.make('SERVER_BAD_TOKEN_FILE', `token file ${file}: ${r.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ')}`);
  return r.data.tokens;
}

function writeTokens(file: string, tokens: readonly TokenRecord[]): void {
  writeFileAtomic(file, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Makes a token, stores its hash and returns it: the only time the token itself is seen.
 * @example
 * const { id, token } = createToken(home, 'viewer'); // token: 'bmt_...'
 */
export function createToken(home: string, role: Role, now: () => Date = () => new Date()): { id: string; role: Role; token: string } {
  const file = tokenFilePath(home);
  const tokens = readTokens(file);
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  let id: string;
  do id = randomBytes(4).toString('hex');
  while (tokens.some((t) => t.id === id));
  writeTokens(file, [...tokens, { id, role, hash: hashToken(token), created: now().toISOString() }]);
  return { id, role, token };
}

/** The stored tokens without their hashes. */
export function listTokens(home: string): Array<Omit<TokenRecord, 'hash'>> {
  return readTokens(tokenFilePath(home)).map(({ id, role, created }) => ({ id, role, created }));
}

/** Removes a token by id (SERVER_TOKEN_UNKNOWN when none has it). */
export function revokeToken(home: string, id: string): void {
  const file = tokenFilePath(home);
  const tokens = readTokens(file);
  if (!tokens.some((t) => t.id === id)) throw serverErrors.make('SERVER_TOKEN_UNKNOWN', `no token has the id ${JSON.stringify(id)}`);
  writeTokens(file, tokens.filter((t) => t.id !== id));
}

/** Checks presented tokens; the server's view of the token file. */
export type TokenBook = Readonly<{ check(token: string): TokenInfo | undefined }>;

/**
 * A token book over a token file (`<home>/tokens.json` by default) that re-reads the file at most every `ttlMs`
 * (default 2 s), so `bootmedic token create`/`revoke` take effect on a running server
 * without a restart. A file that turns bad keeps the last good tokens (and `onError` hears of it).
 */
export function fileTokenBook(file: string, opts: { ttlMs?: number; now?: () => number; onError?: (e: unknown) => void } = {}): TokenBook {
  const ttl = opts.ttlMs ?? 2000;
  const now = opts.now ?? Date.now;
  const index = (ts: readonly TokenRecord[]) => new Map(ts.map((t) => [t.hash, Object.freeze({ id: t.id, role: t.role })]));
  let byHash = index(readTokens(file)); // a bad file at start is an error of the start
  let loadedAt = now();
  return Object.freeze({
    check(token: string) {
      if (now() - loadedAt >= ttl) {
        loadedAt = now();
        try {
          byHash = index(readTokens(file));
        } catch (e) {
          opts.onError?.(e);
        }
      }
      return byHash.get(hashToken(token));
    },
  });
}

/** A token book over fixed tokens (tests, and a service that makes its own tokens). */
export function staticTokenBook(tokens: Readonly<Record<string, Role>>): TokenBook {
  const byHash = new Map(Object.entries(tokens).map(([t, role], i) => [hashToken(t), Object.freeze({ id: `static${i}`, role })]));
  return Object.freeze({ check: (token: string) => byHash.get(hashToken(token)) });
}
