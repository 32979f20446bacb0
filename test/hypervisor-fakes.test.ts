// Real QEMU, no guest: proves testkit/fake-qmp.ts tells the truth about the greeting, the
// capabilities handshake and the shape of events, by asking a real QEMU the same things.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { connectQmp, type QmpEvent } from '../src/hypervisor/index.ts';
import { startFakeQmp } from '../testkit/index.ts';
import { runDir } from './hypervisor-helpers.ts';

/** The structure of a value: keys and value types, recursively, without the values. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  return typeof v;
}

async function session(path: string, afterCommands: () => void = () => {}): Promise<{ greeting: unknown; status: unknown; events: QmpEvent[] }> {
  const qmp = await connectQmp(path, { timeoutMs: 20_000 });
  const events: QmpEvent[] = [];
  qmp.onEvent((e) => events.push(e));
  const status = await qmp.execute('query-status');
  await qmp.execute('cont');
  await qmp.execute('stop');
  afterCommands();
  for (let i = 0; i < 100 && events.length < 2; i++) await sleep(50);
  qmp.close();
  return { greeting: qmp.greeting, status, events };
}

test('fake QMP greets, negotiates and emits events with the same shapes as QEMU 7.2', { timeout: 60_000 }, async () => {
  const dir = runDir('fakes');
  const sock = join(dir, 'qmp.sock');
  const qemu = spawn('qemu-system-x86_64', ['-nodefaults', '-no-user-config', '-display', 'none', '-S', '-machine', 'q35,accel=tcg', '-qmp', `unix:${sock},server=on,wait=off`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 200 && !existsSync(sock); i++) await sleep(50);
    const real = await session(sock);
    const fake = await startFakeQmp({ replies: { 'query-status': { return: { status: 'prelaunch', singlestep: false, running: false } } } });
    const faked = await session(fake.path, () => {
      fake.emit('RESUME');
      fake.emit('STOP');
    });
    await fake.close();

    assert.deepEqual(shape(faked.greeting), shape(real.greeting));
    assert.deepEqual(shape(faked.status), shape(real.status));
    assert.deepEqual(real.events.map((e) => e.event), ['RESUME', 'STOP']);
    assert.deepEqual(faked.events.map((e) => shape(e)), real.events.map((e) => shape(e)));
  } finally {
    qemu.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
