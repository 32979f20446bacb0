// Crash safety: kill -9 at random moments never loses an acknowledged entry and never
// leaves a tree that disagrees with its latest checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { decodeEntry, openLedger, openNote, parseCheckpoint } from './index.ts';
import { APPEND_LOOP_SCRIPT, tempHome } from '../../testkit/index.ts';

const child = APPEND_LOOP_SCRIPT;

/** Runs the append loop until it has acknowledged `minAcks` batches plus a random extra wait, then SIGKILLs it. */
function runAndKill(home: string, seed: number, minAcks: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, home, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = -1;
    let acks = 0;
    let buf = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.stdout.setEncoding('utf8');
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (d: string) => (err += d));
    p.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^acked (\d+)$/.exec(line);
        if (m !== null) {
          acked = Number(m[1]);
          acks++;
          if (acks === minAcks) timer = setTimeout(() => p.kill('SIGKILL'), extraMs);
        }
      }
    });
    p.on('exit', (code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child ended on its own (code ${code}): ${err}`));
      else resolve(acked);
    });
  });
}

test('SIGKILL at random moments loses no acknowledged entry and leaves a verifiable log', { timeout: 60_000 }, async (t) => {
  const { home, cleanup } = tempHome();
  t.after(cleanup);
  let lastAcked = -1;
  for (let round = 0; round < 4; round++) {
    const acked = await runAndKill(home, 17 + round, 2 + round, Math.floor(Math.random() * 40));
    assert.ok(acked > lastAcked, `round ${round} made progress (${acked} > ${lastAcked})`);
    lastAcked = acked;
    // Straight after the kill, before any repair: the database's tree equals its latest checkpoint.
    const raw = await openLedger({ home, readOnly: true });
    assert.ok(raw.size > acked, `size ${raw.size} keeps acknowledged index ${acked}`);
    assert.deepEqual(parseCheckpoint(openNote(raw.checkpoint(), [raw.verifier]).text).root, raw.rootAt());
    await raw.close();
    // Reopen as a writer (as the supervisor would after a crash), then check everything.
    const ledger = await openLedger({ home });
    assert.ok(ledger.size > acked, `size ${ledger.size} keeps acknowledged index ${acked}`);
    const r = ledger.verify();
    assert.deepEqual({ ok: r.ok, firstBadIndex: r.firstBadIndex }, { ok: true, firstBadIndex: null }, JSON.stringify(r.problems));
    assert.equal(r.size, ledger.size);
    // Entries are exactly the numbered ones, in order, with none lost or duplicated.
    for (const e of ledger.entries(0, ledger.size)) assert.equal((decodeEntry(e.bytes)?.data as { n: number }).n, e.index);
    await ledger.close();
  }
});
