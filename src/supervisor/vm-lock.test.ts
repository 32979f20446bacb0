// The VM lock across real processes: a holder's pid is named, and a holder killed with
// SIGKILL leaves nothing that blocks the next bootmedic (the kernel drops its lock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockVm } from './vm-lock.ts';

const LOCK = new URL('./vm-lock.ts', import.meta.url).href;

/** A child process that takes the lock, says so, and holds it until killed. */
async function holder(home: string, vm: string) {
  const code = `const { lockVm } = await import(${JSON.stringify(LOCK)}); lockVm(${JSON.stringify(home)}, ${JSON.stringify(vm)}, 'test holder'); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  assert.equal(chunk.toString().trim(), 'held');
  return child;
}

test('a VM held by another process is busy, naming its pid; after kill -9 of the holder the lock is free at once', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-lock-'));
  const child = await holder(home, 'vm1');
  try {
    assert.throws(
      () => lockVm(home, 'vm1'),
      (e: Error & { code?: string; details?: Record<string, unknown> }) => {
        assert.equal(e.code, 'SUPERVISOR_VM_BUSY');
        assert.match(e.message, new RegExp(`pid ${child.pid}\\b`));
        assert.equal(e.details?.['pid'], child.pid);
        return true;
      },
    );
    // Another VM of the same home is free.
    lockVm(home, 'vm2').release();
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  // No stale-lock judgement involved: the kernel released the dead holder's lock.
  const l = lockVm(home, 'vm1');
  assert.equal(l.held(), true);
  l.release();
  assert.equal(l.held(), false);
  rmSync(home, { recursive: true, force: true });
});

test('within one process a second lock of the same VM is refused too; release() frees it and is idempotent', () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-lock-'));
  try {
    const a = lockVm(home, 'vm1');
    assert.throws(() => lockVm(home, 'vm1'), (e: Error & { code?: string }) => e.code === 'SUPERVISOR_VM_BUSY' && e.message.includes(`pid ${process.pid}, this process`));
    const leave = a.enter();
    assert.throws(() => a.enter(), (e: Error & { code?: string }) => e.code === 'SUPERVISOR_VM_BUSY');
    leave();
    a.enter()();
    a.release();
    a.release();
    lockVm(home, 'vm1').release();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a home that is a file is a clear lock error, not a crash', () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-lock-'));
  try {
    writeFileSync(join(home, 'vms'), 'not a folder');
    assert.throws(() => lockVm(home, 'vm1'), (e: Error & { code?: string }) => e.code === 'SUPERVISOR_LOCK_FAILED' && e.message.includes('vm1'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
