import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../main.ts';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (c: Buffer) => parts.push(c));
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

async function run(argv: string[]) {
  const out = sink();
  const err = sink();
  const rc = await main(argv, { stdout: out.stream, stderr: err.stream });
  return { rc, stdout: out.text(), stderr: err.text() };
}

// Three cases in syzkaller's format: a titled crash, a crash-free log, and a wrong label.
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bm-eval-'));
  writeFileSync(join(dir, '1'), 'TITLE: kernel panic: Attempted to kill init!\nCORRUPTED: Y\n\n[ 1.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n');
  writeFileSync(join(dir, '2'), '\n[ 1.0] Linux version 6.1\n[ 2.0] Run /init as init process\n');
  writeFileSync(join(dir, '3'), 'TITLE: WARNING in something_else\n\n[ 1.0] Kernel panic - not syncing: Fatal exception\n');
  writeFileSync(join(dir, 'SOURCE.md'), 'not a case\n');
  return dir;
}

test('eval titles --json prints the figures', async () => {
  const dir = folder();
  try {
    const r = await run(['eval', 'titles', dir, '--json']);
    assert.equal(r.rc, 0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(j['cases'], 3);
    assert.equal(j['exactTitleAccuracy'], 2 / 3);
    assert.equal(j['crashAgreement'], 1);
    assert.equal(j['falseCrashes'], 0);
    assert.equal(j['missedCrashes'], 0);
    assert.equal(typeof j['corruptedAgreement'], 'number');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval titles prints the confusion list, and --min-accuracy gates the exit code', async () => {
  const dir = folder();
  try {
    const r = await run(['eval', 'titles', dir]);
    assert.equal(r.rc, 0);
    assert.match(r.stdout, /exact titles\s+2\/3/);
    assert.match(r.stdout, /expected: WARNING in something_else\n\s+got:\s+kernel panic: Fatal exception/);
    assert.equal((await run(['eval', 'titles', dir, '--min-accuracy', '0.9'])).rc, 1);
    assert.equal((await run(['eval', 'titles', dir, '--min-accuracy', '0.5'])).rc, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('eval with a wrong kind, a missing folder or a bad floor fails with one clear line', async () => {
  assert.equal((await run(['eval', 'boots', '/tmp'])).rc, 64);
  assert.equal((await run(['eval', 'titles', '--min-accuracy', '2', '/tmp'])).rc, 64);
  const missing = await run(['eval', 'titles', join(tmpdir(), 'no-such-bootmedic-folder')]);
  assert.equal(missing.rc, 65);
  assert.match(missing.stderr, /SIGNATURES_KREPORT_BAD_FOLDER|cannot read the folder/);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
});
