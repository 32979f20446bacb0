import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { VmEvent } from '../hypervisor/index.ts';
import { attachDomain, LIFECYCLE_EVENT, parseDomstate } from './domain-process.ts';
import type { EventHub, HubEvent } from './event-hub.ts';

const dir = mkdtempSync(join(tmpdir(), 'bm-domproc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A hub fed by hand, for one domain. */
function fakeHub() {
  const subs = new Map<string, Set<(e: HubEvent) => void>>();
  const hub: EventHub = {
    uri: 'test:///',
    ready: Promise.resolve(),
    close: async () => {},
    subscribe: (d, fn) => {
      const set = subs.get(d) ?? new Set();
      subs.set(d, set);
      set.add(fn);
      return () => set.delete(fn);
    },
  };
  return { hub, send: (e: HubEvent) => [...(subs.get('domain' in e ? e.domain : '*') ?? [])].forEach((fn) => fn(e)), count: () => [...subs.values()].reduce((n, s) => n + s.size, 0) };
}

async function until(pred: () => boolean, what: string) {
  for (let i = 0; i < 400 && !pred(); i++) await sleep(10);
  assert.ok(pred(), what);
}

test('console from the log offset, QMP events with RESET bursts marked, lifecycle kept, Stopped is the exit', async () => {
  const log = join(dir, 'a.log');
  writeFileSync(log, 'previous boot\n');
  const h = fakeHub();
  const p = attachDomain({ uri: 'test:///', domain: 'a', accel: 'tcg', runDir: dir, hub: h.hub, serialLog: log, from: 14, onStop: 'detach' });
  const evs: VmEvent[] = [];
  p.onEvent((e) => evs.push(e));
  appendFileSync(log, 'Linux version 6.1\n');
  await until(() => evs.some((e) => e.type === 'console'), 'console bytes arrive');
  const at = Date.now();
  h.send({ type: 'qmp', at, domain: 'a', event: 'RESET', data: { guest: true, reason: 'guest-reset' } });
  h.send({ type: 'qmp', at, domain: 'a', event: 'RESET', data: { guest: true, reason: 'guest-reset' } });
  h.send({ type: 'qmp', at, domain: 'b', event: 'GUEST_PANICKED', data: {} });
  h.send({ type: 'lifecycle', at, domain: 'a', event: 'Crashed', detail: 'Panicked' });
  h.send({ type: 'lifecycle', at, domain: 'a', event: 'Stopped', detail: 'Crashed' });
  const info = await p.exited;
  const text = evs.filter((e) => e.type === 'console').map((e) => Buffer.from(e.chunk).toString()).join('');
  assert.equal(text, 'Linux version 6.1\n', 'nothing before the offset');
  const qmp = evs.filter((e): e is Extract<VmEvent, { type: 'qmp' }> => e.type === 'qmp');
  assert.deepEqual(qmp.map((e) => [e.event, e.repeat ?? false]), [['RESET', false], ['RESET', true], [LIFECYCLE_EVENT, false], [LIFECYCLE_EVENT, false]], "another domain's events are not this one's");
  assert.deepEqual({ event: qmp[2]!.data['event'], detail: qmp[2]!.data['detail'] }, { event: 'Crashed', detail: 'Panicked' });
  assert.equal(evs.at(-1)!.type, 'exit');
  assert.match(info.stderr, /stopped \(Stopped Crashed\)/);
  assert.equal(h.count(), 0, 'unsubscribed at the end');
});

test('detach: stop() only stops watching (no virsh call: the URI does not even exist), and qmp() is refused', async () => {
  const log = join(dir, 'b.log');
  writeFileSync(log, '');
  const h = fakeHub();
  const p = attachDomain({ uri: 'bogus:///never', domain: 'b', accel: 'kvm', runDir: dir, hub: h.hub, serialLog: log, from: 0, onStop: 'detach' });
  p.sendConsole('root\n'); // a no-op: the console belongs to the operator
  await assert.rejects(p.qmp('query-status'), { code: 'HV_QMP_ERROR' });
  const info = await p.stop();
  assert.equal(p.detached(), true);
  assert.match(info.stderr, /detached from domain b: it keeps running/);
  assert.equal(info.error, undefined);
  assert.equal(h.count(), 0);
});

test('an unreadable log ends the run with LIBVIRT_LOG_UNREADABLE', async () => {
  const h = fakeHub();
  const errs: string[] = [];
  const p = attachDomain({ uri: 'test:///', domain: 'c', accel: 'tcg', runDir: dir, hub: h.hub, serialLog: dir, from: 0, onStop: 'detach', onError: (e) => errs.push(e.code) });
  const info = await p.exited;
  assert.equal(info.error?.code, 'LIBVIRT_LOG_UNREADABLE');
  assert.deepEqual(errs, ['LIBVIRT_LOG_UNREADABLE']);
});

test('domstate --reason answers', () => {
  assert.deepEqual(parseDomstate('running (booted)\n\n'), { state: 'running', reason: 'booted' });
  assert.deepEqual(parseDomstate('shut off (crashed)\n'), { state: 'shut off', reason: 'crashed' });
  assert.deepEqual(parseDomstate('paused\n'), { state: 'paused', reason: '' });
});
