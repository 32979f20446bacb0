// The ledger's files under a home, and its signing key: generated on first use, stored
// owner-only (0600), refused when others can read it.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isBootmedicError } from '../core/index.ts';
import { ledgerErrors } from './errors.ts';
import { generateSkey, parseSkey, SIG_TYPE, type Signer } from './keys.ts';

/** Files of a ledger under a home. */
export function ledgerPaths(home: string) {
  const dir = join(home, 'ledger');
  // The remembered checkpoint lives beside the ledger folder, not in it: a rollback that
  // replaces the folder with an older copy leaves it behind as the evidence.
  // So does the folder where witnesses' cosigned checkpoints are kept by default.
  return { dir, db: join(dir, 'ledger.db'), key: join(dir, 'key'), vkey: join(dir, 'key.pub'), tiles: join(dir, 'tiles'), remembered: join(home, 'ledger-checkpoint'), witnesses: join(home, 'ledger-witnesses') };
}

/** The origin a new log gets when none is given: bootmedic.local/<hostname>. */
export function defaultOrigin(): string {
  const host = hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-') || 'localhost';
  return `bootmedic.local/${host}`;
}

/** Loads the log's signing key, generating it when the log is new. */
export function loadOrCreateKey(paths: ReturnType<typeof ledgerPaths>, origin: string, mayCreate: boolean): Signer {
  if (!existsSync(paths.key)) {
    if (!mayCreate) throw ledgerErrors.make('LEDGER_BAD_KEY', `signing key ${paths.key} is missing`);
    // 'wx' refuses to overwrite a key another process just made; 0600 per the issue.
    writeFileSync(paths.key, `${generateSkey(origin)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(paths.key, 0o600);
  }
  let text: string;
  try {
    if ((statSync(paths.key).mode & 0o077) !== 0) {
      throw ledgerErrors.make('LEDGER_BAD_KEY', `signing key ${paths.key} is readable by other users`, { fix: `chmod 600 ${paths.key}` });
    }
    text = readFileSync(paths.key, 'utf8');
  } catch (cause) {
    if (isBootmedicError(cause)) throw cause;
    throw ledgerErrors.make('LEDGER_BAD_KEY', `signing key ${paths.key}: ${(cause as Error).message}`, { cause });
  }
  const signer = parseSkey(text);
  if (signer.type !== SIG_TYPE.ed25519) throw ledgerErrors.make('LEDGER_BAD_KEY', `signing key ${paths.key}: not an Ed25519 log key`);
  if (signer.name !== origin) throw ledgerErrors.make('LEDGER_KEY_MISMATCH', `signing key ${paths.key} is named ${signer.name}, the log's origin is ${origin}`);
  return signer;
}
