// Tests that read ../shared (the corpora, the knowledge-base facts, the Merkle vectors)
// must skip with a clear message when it is absent: a user's clone has none.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Absolute path of the sibling `shared/` folder, or undefined when it is absent. */
export function sharedDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../shared/', import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

/** Path of `sub` inside shared/, or undefined when shared/ or that entry is absent. */
export function sharedPath(...sub: string[]): string | undefined {
  const dir = sharedDir();
  if (dir === undefined) return undefined;
  const p = join(dir, ...sub);
  return existsSync(p) ? p : undefined;
}

/** The skip option for node:test: a reason string when `p` is missing, else false. */
export function skipWithout(p: string | undefined, what: string): string | false {
  return p === undefined ? `../shared/${what} is absent (it ships beside the repo, not in it); skipping` : false;
}
