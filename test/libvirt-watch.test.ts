// watchLibvirt on a real libvirtd with tiny-guest TCG domains: one watch follows several
// domains started together (a good boot, a panic, an early panic libvirt reports as
// running, a reset loop, a hang), and lists a domain without a serial log and one whose
// log cannot be read. Each verdict is checked against what the guest really did. A resume
// or heal hook that throws is reported as such and the domain is still followed.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runToolSync } from '../src/core/index.ts';
import { LIFECYCLE_EVENT, watchLibvirt, type LibvirtWatchEvent, type LibvirtWatchOptions } from '../src/libvirt/index.ts';
import type { BootOutcome } from '../src/supervisor/index.ts';
import { defineTinyDomain, useLibvirtd, type TinyDomain } from '../testkit/index.ts';

const lv = useLibvirtd();
const NS = 'xmlns:bootmedic="https://bootmedic.dev/xmlns/1"';
/** bootmedic metadata: the tiny guest's ready marker, and `extra` settings. */
const meta = (extra = '') => `<bootmedic:domain ${NS}><bootmedic:ready marker="bootmedic-ready"/>${extra}</bootmedic:domain>`;

const home = mkdtempSync(join(tmpdir(), 'bm-lv-watch-'));
after(() => rmSync(home, { recursive: true, force: true }));

/** One watch in the background: every event kept, and a wait for an event (generous timeout, never a fixed sleep). */
function startWatch(uri: string, hooks: Pick<LibvirtWatchOptions, 'resume' | 'afterOutcome'> = {}) {
  const ctl = new AbortController();
  const events: LibvirtWatchEvent[] = [];
  const waiters = new Set<() => void>();
  const done = watchLibvirt({ uri, deps: { home }, signal: ctl.signal, ...hooks, onEvent: (e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  } });
  const waitFor = <T extends LibvirtWatchEvent>(pred: (e: LibvirtWatchEvent) => e is T, what: string, ms = 240_000): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = events.find(pred);
        if (hit === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what}: not seen within ${ms} ms; events: ${events.map((e) => `${e.type}:${'domain' in e ? e.domain : ''}`).slice(-40).join(' ')}`));
      }, ms);
      waiters.add(check);
      check();
      void done.catch(reject);
    });
  const outcomeOf = (d: TinyDomain) => waitFor((e): e is Extract<LibvirtWatchEvent, { type: 'outcome' }> => e.type === 'outcome' && e.domain === d.name, `the outcome of ${d.name}`).then((e) => e.outcome);
  return { ctl, events, done, waitFor, outcomeOf };
}

const waiting = (d: TinyDomain) => (e: LibvirtWatchEvent): e is Extract<LibvirtWatchEvent, { type: 'waiting' }> => e.type === 'waiting' && e.domain === d.name;
const texts = (o: BootOutcome) => o.evidence.map((l) => l.text).join('\n');

test('one watch: ready, panic with Crashed Panicked, early panic still running (and its reboot followed), boot loop, hang; not-watchable and unreadable logs listed', { skip: lv.skip, timeout: 600_000 }, async () => {
  const good = defineTinyDomain({ name: 'good', metadata: meta() });
  const panic = defineTinyDomain({ name: 'panic', fault: 'panic', metadata: meta() });
  // No initramfs: no pvpanic module, so the panic reaches libvirt as nothing at all. The
  // kernel reboots 3 s after it (panic=3): the guest's RESET starts the next boot followed.
  const early = defineTinyDomain({ name: 'early', noInitrd: true, append: 'root=/dev/vda2 panic=3', metadata: meta() });
  const loop = defineTinyDomain({ name: 'loop', fault: 'bootloop', metadata: meta('<bootmedic:bootloop resets="2" window-seconds="600"/>') });
  const hang = defineTinyDomain({ name: 'hang', fault: 'hang', metadata: meta('<bootmedic:stall default-seconds="20" floor-seconds="5"/>') });
  const nolog = defineTinyDomain({ name: 'nolog', serialLog: false });
  const unreadable = defineTinyDomain({ name: 'unreadable', metadata: meta() });
  mkdirSync(unreadable.serialLog); // a folder where the log file should be

  const w = startWatch(lv.lease().uri);
  try {
    const listed = await w.waitFor((e): e is Extract<LibvirtWatchEvent, { type: 'domain' }> => e.type === 'domain' && e.domain === nolog.name, 'the domain without a serial log listed');
    assert.equal(listed.watchable, false);
    assert.equal(listed.fixXml, "<log file='/var/log/libvirt/qemu/" + nolog.name + "-serial.log' append='on'/>");
    const err = await w.waitFor((e): e is Extract<LibvirtWatchEvent, { type: 'error' }> => e.type === 'error' && e.domain === unreadable.name, 'the unreadable log reported');
    assert.equal(err.code, 'LIBVIRT_LOG_UNREADABLE');
    assert.ok(err.message.includes(unreadable.serialLog), err.message);
    assert.match(err.fix, /regular file/);

    const booting = [good, panic, early, loop, hang];
    for (const d of booting) await w.waitFor(waiting(d), `${d.name} followed`);
    for (const d of booting) d.start();
    const [okOut, panicOut, earlyOut, loopOut, hangOut] = await Promise.all(booting.map((d) => w.outcomeOf(d)));

    assert.equal(okOut!.status, 'ready', okOut!.reason);
    assert.equal(okOut!.vm, good.name);

    assert.equal(panicOut!.status, 'failed', panicOut!.reason);
    // The console's panic trace is in the record, whichever of it and QMP decided first.
    assert.ok(panicOut!.evidence.length > 0, 'the verdict has its evidence');
    assert.ok(
      panicOut!.findings.some((f) => f.evidence.some((l) => /Kernel panic - not syncing/.test(l.text))),
      `the panic lines are evidence of a finding: ${texts(panicOut!)} / ${panicOut!.findings.map((f) => f.title).join('; ')}`,
    );
    assert.ok(panicOut!.qmpEvents.some((e) => e.event === 'GUEST_PANICKED'), 'QMP GUEST_PANICKED is in the record');
    assert.ok(
      panicOut!.qmpEvents.some((e) => e.event === LIFECYCLE_EVENT && e.data['event'] === 'Crashed' && e.data['detail'] === 'Panicked'),
      `libvirt's Crashed Panicked is in the record: ${JSON.stringify(panicOut!.qmpEvents.map((e) => e.event))}`,
    );

    assert.equal(earlyOut!.status, 'failed', earlyOut!.reason);
    assert.match(earlyOut!.reason + texts(earlyOut!), /VFS|root/i, 'the console decided: the kernel could not mount root');
    assert.ok(!earlyOut!.qmpEvents.some((e) => e.event === 'GUEST_PANICKED'), 'libvirt never heard of this panic');
    assert.match(runToolSync('virsh', ['-c', early.uri, 'domstate', early.name]).stdout, /running/, 'libvirt still calls the domain running');
    const again = await w.waitFor(
      (e): e is Extract<LibvirtWatchEvent, { type: 'outcome' }> => e.type === 'outcome' && e.domain === early.name && e.outcome.bootId !== earlyOut!.bootId,
      'the boot after the guest rebooted itself',
    );
    assert.equal(again.outcome.status, 'failed', again.outcome.reason);
    assert.match(again.outcome.reason + texts(again.outcome), /VFS|root/i);

    assert.equal(loopOut!.status, 'failed', loopOut!.reason);
    assert.equal(loopOut!.cause, 'boot-loop', loopOut!.reason);

    assert.equal(hangOut!.status, 'stalled', hangOut!.reason);
    assert.match(runToolSync('virsh', ['-c', hang.uri, 'domstate', hang.name]).stdout, /running/, 'watching never stops a domain: the hung one still runs');
    w.ctl.abort(new Error('SIGTERM'));
    const totals = await w.done;
    // At least ours (other domains of the URI may boot meanwhile and count too).
    assert.ok(totals.ready >= 1 && totals.failed >= 4 && totals.stalled >= 1, JSON.stringify(totals));
  } finally {
    // A failed assertion must not leave the watch (and its virsh children) running.
    w.ctl.abort(new Error('SIGTERM'));
    await w.done.catch(() => undefined);
    for (const d of [good, panic, early, loop, hang, nolog, unreadable]) d.remove();
  }
});

test('a resume hook and a heal hook that throw: each error says so (during resume, heal), and the domain is still followed: its next boot is judged', { skip: lv.skip, timeout: 300_000 }, async () => {
  const d = defineTinyDomain({ name: 'hooks', fault: 'panic', metadata: meta() });
  const broken = (what: string) => Object.assign(new Error(`${what} broke`), { code: 'RECOVERY_STATE_DAMAGED', fix: '' });
  const w = startWatch(lv.lease().uri, {
    resume: async (domain) => {
      if (domain === d.name) throw broken('resume');
      return false;
    },
    afterOutcome: async (domain) => {
      if (domain === d.name) throw broken('heal');
    },
  });
  const ofMine = (type: LibvirtWatchEvent['type']) => w.events.filter((e) => e.type === type && 'domain' in e && e.domain === d.name);
  try {
    const err = await w.waitFor((e): e is Extract<LibvirtWatchEvent, { type: 'error' }> => e.type === 'error' && e.domain === d.name, 'the failed resume reported');
    assert.deepEqual([err.during, err.code, err.message], ['resume', 'RECOVERY_STATE_DAMAGED', 'resume broke']);
    await w.waitFor(waiting(d), `${d.name} still followed after the failed resume`);
    d.start();
    const out = await w.outcomeOf(d);
    assert.equal(out.status, 'failed', out.reason);
    await w.waitFor((e): e is Extract<LibvirtWatchEvent, { type: 'error' }> => e.type === 'error' && e.domain === d.name && e.during === 'heal', 'the failed heal reported');
    await w.waitFor((e): e is Extract<LibvirtWatchEvent, { type: 'waiting' }> => waiting(d)(e) && ofMine('waiting').length === 2, `${d.name} still followed after the failed heal`);
    assert.deepEqual(ofMine('error').map((e) => e.type === 'error' && e.during), ['resume', 'heal']);
  } finally {
    w.ctl.abort(new Error('SIGTERM'));
    await w.done.catch(() => undefined);
    d.remove();
  }
});
