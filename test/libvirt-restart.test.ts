// libvirtd restarting while a watched guest boots loses no verdict: the console keeps
// coming from the log file, the event streams end and come back, and the domain's later
// stop and next start (which only the reconnected lifecycle stream reports) are followed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { watchLibvirt, type LibvirtWatchEvent } from '../src/libvirt/index.ts';
import { defineTinyDomain, libvirtdPid, startLibvirtDaemons, stopLibvirtDaemons, useLibvirtd } from '../testkit/index.ts';

const lv = useLibvirtd();
const home = mkdtempSync(join(tmpdir(), 'bm-lv-restart-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('libvirtd killed and started again mid-boot: the boot still gets its verdict, and the next boot is followed', { skip: lv.skip, timeout: 600_000 }, async () => {
  // Slow phases (3 s each) keep the boot going while libvirtd is away; the guest powers off once ready.
  const d = defineTinyDomain({
    name: 'restart',
    fault: 'slow',
    append: 'bootmedic.slow=3 bootmedic.after=poweroff',
    metadata: '<bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1"><bootmedic:ready marker="bootmedic-ready"/></bootmedic:domain>',
  });
  const ctl = new AbortController();
  const events: LibvirtWatchEvent[] = [];
  const waiters = new Set<() => void>();
  const done = watchLibvirt({ uri: lv.lease().uri, deps: { home }, signal: ctl.signal, onEvent: (e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  } });
  const waitFor = (pred: (e: LibvirtWatchEvent, i: number) => boolean, what: string, from = 0) =>
    new Promise<number>((resolve, reject) => {
      const check = () => {
        const i = events.findIndex((e, j) => j >= from && pred(e, j));
        if (i < 0) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(i);
      };
      const timer = setTimeout(() => reject(new Error(`${what}: not seen; events: ${events.map((e) => e.type).join(' ')}`)), 240_000);
      waiters.add(check);
      check();
      void done.catch(reject);
    });
  const mine = (e: LibvirtWatchEvent) => 'domain' in e && e.domain === d.name;
  try {
    await waitFor((e) => e.type === 'waiting' && mine(e), 'the domain followed');
    d.start();
    await waitFor((e) => e.type === 'boot-start' && mine(e), 'the boot started');
    const before = libvirtdPid();
    assert.ok(before !== undefined, 'libvirtd runs');
    await stopLibvirtDaemons({ virtlogd: false });
    await waitFor((e) => e.type === 'libvirt' && e.state === 'lost', 'the streams lost');
    await startLibvirtDaemons();
    assert.notEqual(libvirtdPid(), before, 'a new libvirtd');
    await waitFor((e) => e.type === 'libvirt' && e.state === 'back', 'the streams back');

    const first = await waitFor((e) => e.type === 'outcome' && mine(e), 'the first outcome');
    const o1 = (events[first] as Extract<LibvirtWatchEvent, { type: 'outcome' }>).outcome;
    assert.equal(o1.status, 'ready', o1.reason);
    // The guest powered off after ready: only the reconnected lifecycle stream (or the
    // catch-up from domstate) can tell; the follower then waits for the next start.
    await waitFor((e, i) => e.type === 'waiting' && mine(e) && i > first, 'waiting again after the power-off', first);
    d.start();
    const second = await waitFor((e) => e.type === 'outcome' && mine(e), 'the second outcome', first + 1);
    const o2 = (events[second] as Extract<LibvirtWatchEvent, { type: 'outcome' }>).outcome;
    assert.equal(o2.status, 'ready', o2.reason);
    assert.notEqual(o2.bootId, o1.bootId);
  } finally {
    ctl.abort(new Error('SIGTERM'));
    await done.catch(() => undefined);
    d.remove();
  }
});
