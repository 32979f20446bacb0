// Queuing instead of refusing, for real: the service's config says `onNoFit: queue`; a
// running guaranteed VM (a live process with a reservation as large as the host's memory)
// leaves no memory for the tiny guest, so its boot waits in the admission queue and the
// fleet shows it `queued` with the figures; when that process ends its reservation counts
// for nothing, the queue admits the boot and the real tiny guest boots to ready. MemAvailable
// is the host's real one; no QEMU is started while the VM waits.
// Stopping the service while a VM waits takes it out of the queue.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAppConfig } from '../src/config/index.ts';
import { createService, loadServiceConfig, type Service, type ServiceEvent } from '../src/service/index.ts';
import { untilFleet } from '../testkit/index.ts';

const until = untilFleet;

/** A service home whose config queues, one tiny-guest VM `waiter`, and a live process holding a reservation of all the host's memory. */
function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'bm-svc-queue-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const home = join(dir, 'home');
  const vmFile = join(dir, 'waiter.yaml');
  writeFileSync(vmFile, 'name: waiter\nguest: tiny\nmemoryMiB: 256\naccel: auto\nappend: bootmedic.after=idle\nready: { type: marker, text: bootmedic-ready }\nstall: { defaultSeconds: 300, floorSeconds: 120 }\n');
  const config = join(dir, 'bootmedic.yaml');
  writeFileSync(config, `vms:\n  files: [${vmFile}]\nheal:\n  enabled: false\nresources:\n  admission: { onNoFit: queue, queueTimeoutSeconds: 600, recheckSeconds: 0.2 }\n`);
  // The stand-in for a running guaranteed VM: a live process whose reservation is all of the host's memory.
  const totalMiB = Math.floor(Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) / 1024);
  const hog = spawn('sleep', ['600'], { stdio: 'ignore' });
  const hogExit = new Promise((r) => hog.once('exit', r));
  t.after(() => void hog.kill('SIGKILL'));
  mkdirSync(join(home, 'reservations'), { recursive: true });
  writeFileSync(join(home, 'reservations', 'hog.json'), JSON.stringify({ vm: 'hog', pid: hog.pid, memoryMiB: totalMiB, qos: 'guaranteed' }));
  return { home, config, hog, hogExit, app: resolveAppConfig({ home }, {}) };
}

test('a VM that does not fit waits in the admission queue, shown queued on the fleet, and boots to ready once memory frees', { timeout: 300_000 }, async (t) => {
  const { home, config, hog, hogExit, app } = setup(t);
  const s = await createService(app, loadServiceConfig({ file: config, home }));
  const events: ServiceEvent[] = [];
  s.hub.subscribe(({ event }) => void (event.kind !== 'console' && events.push(event)), { since: 0 });
  try {
    await until(s, 'the VM queued', () => s.vm('waiter')?.state === 'queued', 60_000);
    const reason = s.vm('waiter')?.reason ?? '';
    assert.match(reason, /^waiting for memory, place 1 in the admission queue: VM waiter needs 256 MiB \+ 256 MiB headroom, host has 0 MiB available \(\d+ MiB MemAvailable less \d+ MiB reserved by running guaranteed VMs\)$/);
    assert.equal(events.some((e) => e.kind === 'boot'), false, 'no boot started while it waits');
    assert.deepEqual(s.fleet().map((v) => [v.name, v.state]), [['waiter', 'queued']]);

    hog.kill('SIGTERM');
    await hogExit;
    await until(s, "the VM's verdict", () => s.vm('waiter')?.lastVerdict !== undefined, 240_000);
    assert.equal(s.vm('waiter')?.lastVerdict?.status, 'ready', JSON.stringify(s.vm('waiter')));
    const states = events.flatMap((e) => (e.kind === 'vm-state' && e.vm === 'waiter' ? [e.state] : []));
    // starting (watch), queued, starting (admitted), booting, ready: the states in that order.
    assert.deepEqual(states.filter((x, i) => x !== states[i - 1]).slice(0, 5), ['starting', 'queued', 'starting', 'booting', 'ready']);
    const admitted = events.find((e) => e.kind === 'vm-state' && e.vm === 'waiter' && e.state === 'starting' && e.reason?.startsWith('admitted after'));
    assert.ok(admitted !== undefined, JSON.stringify(events.filter((e) => e.kind === 'vm-state')));
  } finally {
    await s.close();
  }
});

test('stopping the service while a VM waits takes it out of the queue: stopped by bootmedic, not failed, no QEMU', { timeout: 120_000 }, async (t) => {
  const { home, config, app } = setup(t);
  const s = await createService(app, loadServiceConfig({ file: config, home }));
  const events: ServiceEvent[] = [];
  s.hub.subscribe(({ event }) => void (event.kind !== 'console' && events.push(event)), { since: 0 });
  await until(s, 'the VM queued', () => s.vm('waiter')?.state === 'queued', 60_000);
  assert.equal(readdirSync(join(home, 'admission-queue')).length, 1, 'its ticket');
  await s.close();
  assert.deepEqual([s.vm('waiter')?.state, s.vm('waiter')?.reason], ['stopped', 'stopped by bootmedic']);
  assert.deepEqual(readdirSync(join(home, 'admission-queue')), [], 'the ticket is gone');
  assert.equal(events.some((e) => e.kind === 'boot' || (e.kind === 'vm-state' && e.state === 'failed')), false);
});
