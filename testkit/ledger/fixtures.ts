// Helpers for the ledger's tests: temporary homes and small logs built fast.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger, type Ledger } from '../../src/ledger/index.ts';

/** A fresh temporary home, removed by the returned cleanup. */
export function tempHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'bootmedic-ledger-test-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** A fixed clock so entries are reproducible. */
export const fixedNow = () => new Date('2026-11-26T12:00:00.000Z');

/** Appends `n` entries in batches of `batch` (each batch one tick, one checkpoint). */
export async function fill(ledger: Ledger, n: number, batch = 100): Promise<void> {
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    await Promise.all(Array.from({ length: m }, (_, j) => ledger.append({ type: 'drill', vm: `vm-${(i + j) % 5}`, data: { n: i + j, note: `entry number ${i + j}` } })));
  }
}

/** Builds a closed ledger of `n` entries in a new home. */
export async function builtHome(n: number, batch = 100): Promise<{ home: string; cleanup: () => void }> {
  const t = tempHome();
  const ledger = await openLedger({ home: t.home, origin: 'test.bootmedic.local/ledger', now: fixedNow });
  await fill(ledger, n, batch);
  await ledger.close();
  return t;
}

/** Copies a home to a new temporary one (each tamper case starts from a clean copy). */
export function copyHome(home: string): { home: string; cleanup: () => void } {
  const t = tempHome();
  cpSync(home, t.home, { recursive: true });
  return t;
}

/** Path of the child process the ledger crash test starts: `node APPEND_LOOP_SCRIPT <home> <seed>`. */
export const APPEND_LOOP_SCRIPT = fileURLToPath(new URL('./append-loop.ts', import.meta.url));
