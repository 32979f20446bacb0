import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../main.ts';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (c: Buffer) => parts.push(c));
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

const PANIC = 'SeaBIOS (version 1)\nBooting from ROM...\n[    0.0] Linux version 6.1\n[    3.8] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n';

test('analyze --json prints findings with evidence and exits 1 on a panic', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-an-'));
  try {
    const f = join(dir, 'console.log');
    writeFileSync(f, PANIC);
    const out = sink();
    const err = sink();
    const rc = await main(['analyze', f, '--json'], { stdout: out.stream, stderr: err.stream });
    assert.equal(rc, 1);
    const j = JSON.parse(out.text()) as { findings: { family: string; phase: string; evidence: { line: number; text: string }[] }[]; corrupted: boolean };
    const p = j.findings.find((x) => x.family === 'kernel-panic');
    assert.equal(p?.phase, 'kernel');
    assert.deepEqual(p?.evidence[0], { line: 4, text: '[    3.8] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)' });
    assert.equal(j.corrupted, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyze - reads stdin; a good boot exits 0 and says so', async () => {
  const out = sink();
  const rc = await main(['analyze', '-'], { stdout: out.stream, stderr: sink().stream, stdin: Readable.from([Buffer.from('Linux version 6.1\nvm login: ')]) });
  assert.equal(rc, 0);
  assert.match(out.text(), /no boot failure found in 2 lines/);
  assert.doesNotMatch(out.text(), /\x1b\[/);
});

test('analyze of a missing file is one clear error with exit 65', async () => {
  const err = sink();
  const rc = await main(['analyze', '/nonexistent/console.log'], { stdout: sink().stream, stderr: err.stream });
  assert.equal(rc, 65);
  assert.match(err.text(), /console log \/nonexistent\/console.log does not exist/);
  assert.doesNotMatch(err.text(), /at .*\.ts:\d+/);
});

test('analyze writes each finding while the log is still arriving (nothing piles up for a long log)', async () => {
  const stdin = new PassThrough();
  const out = sink();
  const done = main(['analyze', '-', '--json'], { stdout: out.stream, stderr: sink().stream, stdin });
  stdin.write(PANIC);
  stdin.write('SeaBIOS (version 1)\n'); // a reboot: the next chunk is read only once this one is written
  // The panic is on stdout before the log has ended.
  for (let i = 0; i < 200 && !out.text().includes('kernel-panic'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.match(out.text(), /^\{"findings":\[.*"family":"kernel-panic"/);
  stdin.end('Linux version 6.1\nvm login: ');
  assert.equal(await done, 1);
  const j = JSON.parse(out.text()) as { findings: { family: string }[]; corrupted: boolean };
  assert.deepEqual(j.findings.filter((f) => f.family !== 'progress').map((f) => f.family), ['kernel-panic']);
});
