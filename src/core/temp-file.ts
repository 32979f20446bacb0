import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs `fn` with a private temp file holding `data` (for tools that read a path), then removes it. */
export function withTempFile<T>(data: Buffer | string, fn: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'bootmedic-tmp-'));
  try {
    const path = join(dir, 'data');
    writeFileSync(path, data);
    return fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
