// Real QEMU: no QEMU outlives bootmedic, whether it dies of an exception (exit hook) or
// is SIGKILLed (setpriv --pdeathsig, the kernel's parent-death signal).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { alive, skipWithoutTiny } from './hypervisor-helpers.ts';

const skip = skipWithoutTiny();
const fixture = new URL('./fixtures/launch-and-die.ts', import.meta.url).pathname;

async function qemuPidOfDyingChild(mode: 'throw' | 'wait'): Promise<{ qemuPid: number; kill: () => void; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [fixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  const qemuPid = await new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => reject(new Error(`fixture exited before printing a pid: ${out}`)));
  });
  return { qemuPid, kill: () => child.kill('SIGKILL'), exited };
}

/** Waits (bounded, generous) for a pid to disappear; the kernel delivers the signal asynchronously. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (!alive(pid)) return true;
    await sleep(100);
  }
  return false;
}

test('an uncaught exception of ours: the exit hook kills QEMU', { skip, timeout: 120_000 }, async () => {
  const c = await qemuPidOfDyingChild('throw');
  assert.equal(alive(c.qemuPid), true);
  assert.notEqual(await c.exited, 0);
  assert.equal(await gone(c.qemuPid), true);
});

test('SIGKILL of our process: the parent-death signal kills QEMU', { skip, timeout: 120_000 }, async () => {
  const c = await qemuPidOfDyingChild('wait');
  assert.equal(alive(c.qemuPid), true);
  c.kill();
  await c.exited;
  assert.equal(await gone(c.qemuPid), true);
});
