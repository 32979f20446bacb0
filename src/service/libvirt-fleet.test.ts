// The service's libvirt fleet driven by a fake watch (no libvirtd): the watch's events, in
// the order watchLibvirt emits them, folded into the fleet view the service shows. What
// the view says must be true: a domain the watch still follows is never "not watched".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveAppConfig } from '../config/index.ts';
import type { LibvirtWatchEvent } from '../libvirt/index.ts';
import { openStore } from '../store/index.ts';
import { parseServiceConfig } from './config.ts';
import type { ServiceEvent } from './events.ts';
import { reduceVm, type VmView } from './fleet.ts';
import { createLibvirtFleet } from './libvirt-fleet.ts';
import type { LibvirtSink, LibvirtSourceOptions } from './libvirt-source.ts';
import { silentLogger } from './log.ts';

const URI = 'qemu:///system';
const dir = mkdtempSync(join(tmpdir(), 'bm-lv-fleet-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A fleet over a fake watch: `sink` is what watchLibvirt and the healer would feed; `view` is what the service shows. */
async function fakeFleet(name: string) {
  const home = join(dir, name);
  const store = openStore({ home });
  const views = new Map<string, VmView>();
  const published: ServiceEvent[] = [];
  let sink: LibvirtSink | undefined;
  const fleet = createLibvirtFleet({
    app: resolveAppConfig({ home }), deps: { home, store }, store, incidents: store.incidents, views, log: silentLogger,
    publish: (e, fold = reduceVm) => {
      const v = 'vm' in e ? views.get(e.vm) : undefined;
      if (v !== undefined) views.set(v.name, fold(v, e));
      published.push(e);
    },
    announce: (e) => void published.push(e),
    source: (o: LibvirtSourceOptions) => {
      sink = o.sink;
      return new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  });
  await fleet.sync(parseServiceConfig({ libvirt: { uris: [URI] } }, { where: 'test', baseDir: dir, home }));
  assert.ok(sink !== undefined, 'the fleet started the URI\'s source');
  const s = sink;
  return {
    store,
    watch: (e: LibvirtWatchEvent) => s.watch(e),
    heal: (vm: string, e: Parameters<LibvirtSink['heal']>[1]) => s.heal(vm, e),
    view: (vm: string) => views.get(vm)!,
    async close() {
      await fleet.close();
      store.close();
    },
  };
}

const found = (vm: string, state = 'running'): LibvirtWatchEvent => ({ type: 'domain', vm, domain: vm, change: 'found', state, watchable: true, optIn: true, serialLog: `/var/log/libvirt/qemu/${vm}-serial.log` });
const waiting = (vm: string): LibvirtWatchEvent => ({ type: 'waiting', vm, domain: vm, for: 'start-or-reset' });
const error = (vm: string, during: 'follow' | 'boot' | 'resume' | 'heal', code = 'RECOVERY_STATE_DAMAGED', message = `VM ${vm}: healing configuration /h/healing.json is damaged: not valid JSON`, fix = ''): LibvirtWatchEvent =>
  ({ type: 'error', vm, domain: vm, code, message, fix, during });

test('a resume that fails after the incident resumed: the domain is shown failed with the error, its incident open, still watched (not "not watched")', async () => {
  const f = await fakeFleet('resume-after');
  try {
    f.watch(found('web'));
    assert.equal(f.view('web').state, 'starting');
    f.heal('web', { type: 'incident-resumed', incidentId: 'inc-1', vm: 'web', completedSteps: 1 });
    assert.equal(f.view('web').state, 'healing');
    f.watch(error('web', 'resume', 'LIBVIRT_URI_UNREACHABLE', 'virsh dumpxml web: failed to connect to the hypervisor'));
    f.watch(waiting('web'));
    const v = f.view('web');
    assert.equal(v.state, 'failed', v.reason);
    assert.doesNotMatch(v.reason ?? '', /not watched/);
    assert.match(v.reason ?? '', /resuming incident inc-1 failed: LIBVIRT_URI_UNREACHABLE: virsh dumpxml web: failed to connect/);
    assert.match(v.reason ?? '', /the incident stays open; still watched/);
    assert.equal(v.openIncident, 'inc-1');
  } finally {
    await f.close();
  }
});

test('a resume that fails before the incident resumed (the heal target would not open): failed, naming the open incident from the store, still watched', async () => {
  const f = await fakeFleet('resume-before');
  try {
    f.store.incidents.open({ id: 'inc-2', vm: 'db', detectedAt: 1, openedAt: 1, diagnosis: {} });
    f.watch(found('db', 'shut off'));
    assert.equal(f.view('db').openIncident, 'inc-2', 'seeded from the store');
    f.watch(error('db', 'resume'));
    f.watch(waiting('db'));
    const v = f.view('db');
    assert.equal(v.state, 'failed', v.reason);
    assert.doesNotMatch(v.reason ?? '', /not watched/);
    assert.match(v.reason ?? '', /resuming incident inc-2 failed: RECOVERY_STATE_DAMAGED: VM db: healing configuration/);
    assert.equal(v.openIncident, 'inc-2');
  } finally {
    await f.close();
  }
});

test('a heal after a failed run that throws: failed with the error, the incident open, still watched; a failed run without a heal keeps its verdict', async () => {
  const f = await fakeFleet('heal');
  try {
    f.watch(found('api'));
    f.heal('api', { type: 'incident-opened', incidentId: 'inc-3', vm: 'api', detectedAt: 1 });
    f.watch(error('api', 'heal', 'LIBVIRT_DOMAIN_NOT_FOUND', 'domain api not found'));
    const v = f.view('api');
    assert.equal(v.state, 'failed', v.reason);
    assert.match(v.reason ?? '', /healing incident inc-3 failed: LIBVIRT_DOMAIN_NOT_FOUND: domain api not found; the incident stays open; still watched/);
    // No incident (the healer failed before opening one): the verdict's failure plus the heal's error.
    f.watch(found('cache'));
    f.watch(error('cache', 'heal', 'LIBVIRT_URI_UNREACHABLE', 'no libvirtd'));
    assert.equal(f.view('cache').state, 'failed');
    assert.match(f.view('cache').reason ?? '', /^healing failed: LIBVIRT_URI_UNREACHABLE: no libvirtd; still watched/);
  } finally {
    await f.close();
  }
});

test('a run the watch could not supervise: still watched, with the error; a domain the watch stopped following: "not watched"', async () => {
  const f = await fakeFleet('follow');
  try {
    f.watch(found('busy'));
    f.watch(error('busy', 'boot', 'SUPERVISOR_VM_BUSY', 'VM busy is driven by another bootmedic'));
    assert.doesNotMatch(f.view('busy').reason ?? '', /not watched/);
    assert.match(f.view('busy').reason ?? '', /its last run could not be followed: SUPERVISOR_VM_BUSY: VM busy is driven by another bootmedic; still watched/);
    f.watch(found('gone', 'shut off'));
    f.watch(error('gone', 'follow', 'LIBVIRT_LOG_UNREADABLE', 'the serial log is a folder', 'point <log file> at a regular file'));
    assert.equal(f.view('gone').state, 'stopped');
    assert.match(f.view('gone').reason ?? '', /^not watched: LIBVIRT_LOG_UNREADABLE: the serial log is a folder/);
  } finally {
    await f.close();
  }
});
