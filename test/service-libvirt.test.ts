// The service watching a real libvirtd (qemu:///system) with tiny-guest TCG domains: an
// opted-in domain boots to ready (boot events, console lines, a ready lastVerdict, source
// libvirt, heal true); a domain not opted in that panics is reported failed and left
// untouched (no heal event, its XML unchanged); a domain without a serial log is listed
// with the XML to add. A reload that drops the URI takes its domains out of the fleet;
// close() leaves the running domain running and no virsh child behind. A service killed with
// -9 mid-heal of an opted-in domain leaves no virsh behind, and the restarted service
// resumes the incident: the memory it raised is verified by a boot to ready, not raised
// again. The libvirtd is shared with other tests: the service is told to keep to this
// file's domains.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveAppConfig } from '../src/config/index.ts';
import { runToolSync } from '../src/core/index.ts';
import { incidentState, type HealEvent } from '../src/heal/index.ts';
import { decodeEntry } from '../src/ledger/index.ts';
import { createService, loadServiceConfig, type Service, type ServiceEvent } from '../src/service/index.ts';
import { defineTinyDomain, descendants, serveChild, stillRunning, useLibvirtd, untilFleet } from '../testkit/index.ts';

const lv = useLibvirtd();
const NS = 'xmlns:bootmedic="https://bootmedic.dev/xmlns/1"';
const meta = (heal: boolean) => `<bootmedic:domain ${NS}><bootmedic:heal>${heal}</bootmedic:heal><bootmedic:ready marker="bootmedic-ready"/></bootmedic:domain>`;

const dir = mkdtempSync(join(tmpdir(), 'bm-svc-lv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const until = (s: Service, what: string, ok: () => boolean, ms = 300_000) => untilFleet(s, what, ok, ms);

const virsh = (uri: string, args: string[]) => runToolSync('virsh', ['-c', uri, ...args], { check: false }).stdout.trim();
/** virsh processes whose parent is this test process (the service's event streams). */
const virshChildren = () =>
  runToolSync('ps', ['-eo', 'pid=,ppid=,args=']).stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => Number(f[1]) === process.pid && (f[2] ?? '').endsWith('virsh')).map((f) => f.join(' '));

test('serve with libvirt.uris: an opted-in domain boots to ready, one not opted in fails and is only reported, one without a log says what to add; reload and close leave the domains alone', { skip: lv.skip, timeout: 600_000 }, async () => {
  const uri = lv.lease().uri;
  const good = defineTinyDomain({ name: 'svc-good', metadata: meta(true) });
  const sick = defineTinyDomain({ name: 'svc-sick', fault: 'panic', metadata: meta(false) });
  const nolog = defineTinyDomain({ name: 'svc-nolog', serialLog: false });
  const mine = new Set([good.name, sick.name, nolog.name]);
  const config = join(dir, 'bootmedic.yaml');
  writeFileSync(config, `libvirt:\n  uris: ['${uri}']\n`);
  const home = join(dir, 'home');
  const s = await createService(resolveAppConfig({ home }), loadServiceConfig({ file: config, home }), { libvirtDomains: (d) => mine.has(d) });
  const events: ServiceEvent[] = [];
  s.hub.subscribe(({ event }) => void events.push(event), { since: 0 });
  let closed = false;
  try {
    assert.equal(s.ready(), true);
    await until(s, 'the three domains listed', () => [...mine].every((n) => s.vm(n) !== undefined));
    assert.ok(s.fleet().every((v) => v.source === 'qemu' || mine.has(v.name)), `only this test's domains join the fleet: ${s.fleet().map((v) => v.name).join(' ')}`);

    const nl = s.vm(nolog.name)!;
    assert.equal(nl.source, 'libvirt');
    assert.equal(nl.state, 'stopped');
    assert.match(nl.reason ?? '', /not watchable/);
    assert.ok((nl.reason ?? '').includes(`<log file='/var/log/libvirt/qemu/${nolog.name}-serial.log' append='on'/>`), nl.reason);
    assert.equal(s.vm(good.name)!.heal, true, 'opted in by its metadata');
    assert.equal(s.vm(sick.name)!.heal, false, 'heal false in its metadata');
    assert.equal(s.vm(sick.name)!.source, 'libvirt');

    const sickXml = virsh(uri, ['dumpxml', '--inactive', sick.name]);
    good.start();
    sick.start();
    await until(s, 'the good domain ready', () => s.vm(good.name)?.lastVerdict?.status === 'ready');
    await until(s, 'the sick domain failed', () => s.vm(sick.name)?.lastVerdict?.status === 'failed');

    // After the verdict the watch detaches from the running domain: that is no stop, the state stays ready.
    const g = s.vm(good.name)!;
    assert.equal(g.state, 'ready', g.reason);
    assert.equal(virsh(uri, ['domstate', good.name]), 'running');
    const bootsOf = (vm: string): string[] => events.flatMap((e) => (e.kind === 'boot' && e.vm === vm ? [e.event.type] : []));
    assert.ok(['boot-start', 'phase', 'verdict', 'outcome'].every((t) => bootsOf(good.name).includes(t)), bootsOf(good.name).join(' '));
    assert.ok(events.some((e) => e.kind === 'console' && e.vm === good.name && e.text.includes('bootmedic-ready')), 'its console lines reach the hub');
    assert.ok(events.some((e) => e.kind === 'vm-state' && e.vm === good.name && e.state === 'ready'));

    const k = s.vm(sick.name)!;
    assert.equal(k.state, 'failed', k.reason);
    assert.equal(k.lastVerdict!.status, 'failed');
    assert.ok(!events.some((e) => e.kind === 'heal' && e.vm === sick.name), 'a domain not opted in is never healed');
    assert.equal(virsh(uri, ['dumpxml', '--inactive', sick.name]), sickXml, 'its XML is untouched');
    assert.equal(s.store.incidents.findOpen(sick.name), undefined, 'no incident for it');

    // A reload that drops the URI stops its watch; the domains leave the fleet, the good one keeps running.
    writeFileSync(config, 'libvirt:\n  uris: []\n');
    const r = await s.reload();
    assert.equal(r.error, undefined);
    assert.ok(r.removed.includes(good.name) && r.removed.includes(sick.name), JSON.stringify(r));
    assert.equal(s.vm(good.name), undefined);
    assert.deepEqual(virshChildren(), [], 'the URI\'s virsh event streams are reaped at the reload');
    assert.equal(virsh(uri, ['domstate', good.name]), 'running');

    // And back: the running domain is listed again, waiting for its next boot.
    writeFileSync(config, `libvirt:\n  uris: ['${uri}']\n`);
    await s.reload();
    await until(s, 'the good domain listed again', () => s.vm(good.name) !== undefined);
    assert.equal(s.vm(good.name)!.lastVerdict?.status, 'ready', 'its last verdict comes back from the store');

    await s.close();
    closed = true;
    assert.equal(virsh(uri, ['domstate', good.name]), 'running', 'close() leaves a libvirt domain running');
    assert.deepEqual(virshChildren(), [], 'no virsh child left after close()');
  } finally {
    if (!closed) await s.close();
    for (const d of [good, sick, nolog]) d.remove();
  }
});

test('the heal policy decides for libvirt domains too: heal.enabled false shows an opted-in domain as not healed, the heal list opts one in, a reload changes both', { skip: lv.skip, timeout: 120_000 }, async () => {
  const uri = lv.lease().uri;
  const optIn = defineTinyDomain({ name: 'svc-optin', metadata: meta(true) });
  const listed = defineTinyDomain({ name: 'svc-listed', metadata: meta(false) });
  const mine = new Set([optIn.name, listed.name]);
  const config = join(dir, 'policy.yaml');
  writeFileSync(config, `libvirt:\n  uris: ['${uri}']\nheal:\n  enabled: false\n`);
  const home = join(dir, 'home-policy');
  const s = await createService(resolveAppConfig({ home }), loadServiceConfig({ file: config, home }), { libvirtDomains: (d) => mine.has(d) });
  try {
    await until(s, 'both domains listed', () => [...mine].every((n) => s.vm(n) !== undefined), 60_000);
    assert.equal(s.vm(optIn.name)!.heal, false, 'healing off in the policy: not healed, whatever its metadata says');
    assert.match(s.vm(optIn.name)!.reason ?? '', /healing is off/);
    assert.equal(s.vm(listed.name)!.heal, false);
    assert.equal(s.vm(listed.name)!.state, 'stopped', 'defined, not started');

    writeFileSync(config, `libvirt:\n  uris: ['${uri}']\nheal:\n  vms: [${listed.name}]\n`);
    const r = await s.reload();
    assert.equal(r.error, undefined);
    await until(s, 'the heal flags read again', () => s.vm(optIn.name)?.heal === true && s.vm(listed.name)?.heal === true, 60_000);
    assert.match(s.vm(optIn.name)!.reason ?? '', /watched and healed/);
  } finally {
    await s.close();
    for (const d of [optIn, listed]) d.remove();
  }
});

/** At 80 MiB the tiny guest's kernel runs out of memory unpacking its initramfs and panics (the catalogue's low-memory fault); the heal doubles it. */
const LOW_MEMORY = 80;
const memoryKiB = (uri: string, domain: string) => Number(/<memory unit='KiB'>(\d+)<\/memory>/.exec(virsh(uri, ['dumpxml', '--inactive', domain]))?.[1]);

test('kill -9 of the service mid-heal of an opted-in domain: no virsh left behind; the restarted service resumes the incident, verifies the raised memory without raising it again, and the domain is ready', { skip: lv.skip, timeout: 600_000 }, async () => {
  const uri = lv.lease().uri;
  const d = defineTinyDomain({ name: 'svc-killed', memoryMiB: LOW_MEMORY, metadata: meta(true) });
  const config = join(dir, 'killed.yaml');
  writeFileSync(config, `libvirt:\n  uris: ['${uri}']\n`);
  const home = join(dir, 'home-killed');
  try {
    // 1. The service in a child: the operator starts the domain, it fails, the heal raises
    // its memory (journalled as applied) and starts the verifying boot; there it is killed.
    const c = serveChild(home, config, { libvirtDomains: [d.name] });
    let left: { pid: number; comm: string }[];
    try {
      await c.waitFor('the domain listed', () => c.events.some((e) => e.kind === 'vm-state' && e.vm === d.name));
      d.start();
      await c.waitFor('a remedy applied and its verifying boot started', () => {
        const i = c.events.findIndex((e) => e.kind === 'heal' && e.vm === d.name && e.event.type === 'action');
        return i >= 0 && c.events.slice(i).some((e) => e.kind === 'boot' && e.vm === d.name && e.event.type === 'boot-start');
      });
      left = descendants(c.pid);
      c.signal('SIGKILL');
      assert.equal((await c.exited).signal, 'SIGKILL');
    } finally {
      c.signal('SIGKILL');
    }
    const firstHeal = c.events.flatMap((e) => (e.kind === 'heal' && e.vm === d.name ? [e.event] : []));
    const opened = firstHeal.find((e) => e.type === 'incident-opened');
    assert.ok(opened?.type === 'incident-opened', JSON.stringify(firstHeal));
    const incidentId = opened.incidentId;
    assert.deepEqual(firstHeal.filter((e) => e.type === 'action').map((e) => e.type === 'action' && e.remedy), ['more-memory'], 'one step started before the kill');
    assert.ok(!firstHeal.some((e) => e.type === 'incident-closed'), 'killed before the incident closed');
    assert.equal(memoryKiB(uri, d.name), 2 * LOW_MEMORY * 1024, 'the memory was raised once before the kill');
    // The killed service's children (the virsh event streams of the watch and of the heal's
    // boot) die with it; the domain, a child of libvirtd, keeps running its verifying boot.
    const virshes = left.filter((p) => p.comm === 'virsh');
    assert.ok(virshes.length >= 2, `the service ran its virsh event streams: ${JSON.stringify(left)}`);
    assert.deepEqual(await stillRunning(left.map((p) => p.pid)), [], `nothing the killed service started is left: ${JSON.stringify(left)}`);
    assert.equal(virsh(uri, ['domstate', d.name]), 'running', 'the domain itself survives the kill');

    // 2. The restarted service resumes the open incident as it first follows the domain.
    const s = await createService(resolveAppConfig({ home }), loadServiceConfig({ file: config, home }), { libvirtDomains: (x) => x === d.name });
    const events: ServiceEvent[] = [];
    s.hub.subscribe(({ event }) => void events.push(event), { since: 0 });
    const heal = (): HealEvent[] => events.flatMap((e) => (e.kind === 'heal' && e.vm === d.name ? [e.event] : []));
    let closed = false;
    try {
      assert.equal(s.store.incidents.findOpen(d.name)?.id, incidentId, 'the incident is open in the store at the restart');
      await until(s, 'the resumed incident closed', () => heal().some((e) => e.type === 'incident-closed'));
      const h = heal();
      assert.ok(h.some((e) => e.type === 'incident-resumed' && e.incidentId === incidentId && e.completedSteps === 0), JSON.stringify(h));
      assert.ok(!h.some((e) => e.type === 'incident-opened'), 'no new incident: the open one was resumed');
      assert.deepEqual(h.filter((e) => e.type === 'action'), [], 'no step applied again');
      const end = h.find((e) => e.type === 'incident-closed');
      assert.ok(end?.type === 'incident-closed' && end.status === 'recovered' && end.fixedBy === 'more-memory', JSON.stringify(h));
      assert.equal(memoryKiB(uri, d.name), 2 * LOW_MEMORY * 1024, 'memory raised once, not twice');
      // The journal (store) and the ledger each record the step once.
      const st = incidentState(s.store.incidents, incidentId);
      assert.deepEqual(st.steps.map((x) => x.remedy), ['more-memory'], 'one step in the journal');
      const ledgerActions = s.ledger.entries(0, s.ledger.size).map((x) => decodeEntry(x.bytes)).filter((x) => x?.type === 'heal-action' && (x.data as { incidentId?: string }).incidentId === incidentId);
      assert.equal(ledgerActions.length, 1, 'one action in the ledger');
      // The proof: the resumed heal's boot reached ready, and the domain runs on.
      await until(s, 'the domain ready', () => s.vm(d.name)?.state === 'ready', 60_000);
      assert.equal(s.vm(d.name)?.lastVerdict?.status, 'ready');
      assert.equal(s.vm(d.name)?.openIncident, undefined);
      assert.equal(s.store.incidents.findOpen(d.name), undefined, 'closed in the store');
      assert.equal(virsh(uri, ['domstate', d.name]), 'running', 'the healed domain keeps running');
      await s.close();
      closed = true;
      assert.deepEqual(virshChildren(), [], 'no virsh child left after close()');
    } finally {
      if (!closed) await s.close();
    }
  } finally {
    d.remove();
  }
});
