// The README's main command: `bootmedic run` on its embedded defaults, end to end on real
// VMs (--once, so it stops after the demo): the service comes up, 'tiny' boots to ready,
// 'tiny-low-memory' fails and is healed, the demo drill runs through the service, and the
// summary says so. A couple of minutes under TCG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/bootmedic.js', import.meta.url));

test('bootmedic run --once: the service heals the failing demo VM, runs the demo drill, prints the dashboard token, and exits 0', { timeout: 900_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'bootmedic-run-'));
  try {
    const child = spawn(process.execPath, [BIN, 'run', '--once', '--json', '--listen', '127.0.0.1:0', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    assert.equal(code, 0, `exit ${code}\n${err}`);
    const summary = JSON.parse(out.trim().split('\n').at(-1)!) as {
      url: string;
      token: string;
      vms: { name: string; state: string; lastVerdict?: { status: string } }[];
      drill: { status: string; scenarios: number; recoveryRate: number; detectionRate: number };
    };
    assert.match(summary.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(summary.token, /^bmt_/);
    assert.deepEqual(summary.vms.map((v) => v.name).sort(), ['tiny', 'tiny-low-memory']);
    for (const v of summary.vms) assert.equal(v.lastVerdict?.status, 'ready', `${v.name} ends ready`);
    assert.equal(summary.drill.status, 'done');
    assert.equal(summary.drill.scenarios, 4);
    assert.equal(summary.drill.detectionRate, 1);
    assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
