// The service on real QEMU with the tiny guest: a good VM comes up, a VM with too little
// memory is healed when the heal policy names it and only reported when it does not, a
// reload adds and removes VMs, close() reaps every QEMU, and a service killed with -9
// mid-heal resumes the incident on restart without applying its step again.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAppConfig } from '../config/index.ts';
import { incidentState, type HealEvent } from '../heal/index.ts';
import { isNoVerdict, type SupervisorEvent } from '../supervisor/index.ts';
import { serveChild, untilFleet } from '../../testkit/index.ts';
import { createService, loadServiceConfig, type Service, type ServiceEvent } from './index.ts';

const STALL = 'stall: { defaultSeconds: 300, floorSeconds: 120 }';
const vmYaml = (name: string, o: { memoryMiB?: number } = {}) =>
  `name: ${name}\nguest: tiny\nmemoryMiB: ${o.memoryMiB ?? 256}\naccel: auto\nappend: bootmedic.after=idle\nready: { type: marker, text: bootmedic-ready }\n${STALL}\n`;

function setup(vms: Record<string, { memoryMiB?: number }>, cfg: (files: Record<string, string>) => string) {
  const dir = mkdtempSync(join(tmpdir(), 'bm-svc-vm-'));
  const files: Record<string, string> = {};
  for (const [name, o] of Object.entries(vms)) {
    files[name] = join(dir, `${name}.yaml`);
    writeFileSync(files[name], vmYaml(name, o));
  }
  const config = join(dir, 'bootmedic.yaml');
  writeFileSync(config, cfg(files));
  return { dir, home: join(dir, 'home'), config, files };
}

const until = (s: Service, what: string, ok: () => boolean, ms = 400_000) => untilFleet(s, what, ok, ms);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every event the hub delivers (from its first, through the replay buffer), and the QEMU pids its outcomes name. */
function record(s: Service) {
  const events: ServiceEvent[] = [];
  const pids = new Map<string, Set<number>>();
  const console = new Map<string, number>();
  /** Outcomes whose VM's view did not yet show them when the hub delivered them. */
  const stale: string[] = [];
  s.hub.subscribe(({ event }) => {
    if (event.kind === 'console') return void console.set(event.vm, (console.get(event.vm) ?? 0) + 1);
    events.push(event);
    if (event.kind === 'boot' && event.event.type === 'outcome' && !isNoVerdict(event.event.outcome.status)) {
      const seen = s.vm(event.vm)?.lastVerdict?.bootId;
      if (s.vm(event.vm) !== undefined && seen !== event.event.outcome.bootId) stale.push(`${event.vm}: outcome ${event.event.outcome.bootId}, view ${seen}`);
    }
    if (event.kind === 'boot' && event.event.type === 'outcome' && event.event.outcome.qemu.pid > 0) {
      pids.set(event.vm, (pids.get(event.vm) ?? new Set()).add(event.event.outcome.qemu.pid));
    }
  }, { since: 0 });
  const heal = (vm: string): HealEvent[] => events.flatMap((e) => (e.kind === 'heal' && e.vm === vm ? [e.event] : []));
  return { events, pids, heal, console, stale };
}

test('the service boots a good VM, heals an opted-in sick VM, only reports the other, reloads, and reaps every QEMU on close', { timeout: 900_000 }, async () => {
  const t = setup({ good: {}, 'sick-healed': { memoryMiB: 80 }, 'sick-watched': { memoryMiB: 80 } }, (f) => `vms:\n  files: [${f['good']}, ${f['sick-healed']}, ${f['sick-watched']}]\nheal:\n  vms: [sick-healed]\n`);
  const app = resolveAppConfig({ home: t.home });
  const s = await createService(app, loadServiceConfig({ file: t.config, home: t.home }));
  const r = record(s);
  let closed = false;
  try {
    assert.equal(s.ready(), true);
    const state = (vm: string) => s.vm(vm)?.state;
    await until(s, 'good ready, sick-healed healed, sick-watched failed', () => state('good') === 'ready' && state('sick-watched') === 'failed' && r.heal('sick-healed').some((e) => e.type === 'incident-closed'));

    assert.equal(s.vm('sick-healed')?.heal, true);
    const closedEv = r.heal('sick-healed').find((e) => e.type === 'incident-closed');
    assert.equal(closedEv?.type === 'incident-closed' && closedEv.status, 'recovered', JSON.stringify(r.heal('sick-healed')));
    await until(s, 'sick-healed ready', () => state('sick-healed') === 'ready', 60_000);
    assert.equal(s.vm('sick-healed')?.openIncident, undefined);

    // Not in the heal policy: its failure is reported (verdict, state, last verdict), nothing is acted on.
    assert.deepEqual(r.heal('sick-watched'), []);
    assert.equal(s.vm('sick-watched')?.heal, false);
    assert.equal(s.vm('sick-watched')?.lastVerdict?.status, 'failed');
    assert.equal(s.store.incidents.findOpen('sick-watched'), undefined);
    assert.ok(r.events.some((e) => e.kind === 'vm-state' && e.vm === 'sick-watched' && e.state === 'failed'), 'the state change was published');
    assert.equal(s.fleet()[0]?.name, 'sick-watched', 'the failed VM comes first');
    assert.ok(r.events.some((e) => e.kind === 'ledger' && e.size > 0), 'ledger growth is published');
    assert.ok(r.console.get('good')! > 0, 'console lines are published');
    assert.deepEqual(r.stale, [], 'a subscriber reading the fleet on an outcome sees that outcome');

    // Reload: drop `good`, add `good2`; the healed VM is untouched.
    writeFileSync(join(t.dir, 'good2.yaml'), vmYaml('good2'));
    const healedBoots = r.events.filter((e) => e.kind === 'boot' && e.vm === 'sick-healed' && e.event.type === 'boot-start').length;
    writeFileSync(t.config, `vms:\n  files: [${t.files['sick-healed']}, ${t.files['sick-watched']}, ${join(t.dir, 'good2.yaml')}]\nheal:\n  vms: [sick-healed]\n`);
    const rel = await s.reload();
    assert.deepEqual([rel.added, rel.removed, [...rel.kept].sort(), rel.changed], [['good2'], ['good'], ['sick-healed', 'sick-watched'], []]);
    for (const pid of r.pids.get('good') ?? []) assert.equal(alive(pid), false, `QEMU ${pid} of the removed VM is gone`);
    assert.equal(s.vm('good'), undefined);
    await until(s, 'good2 ready', () => state('good2') === 'ready');
    assert.equal(r.events.filter((e) => e.kind === 'boot' && e.vm === 'sick-healed' && e.event.type === 'boot-start').length, healedBoots, 'a kept VM was not rebooted');
    assert.equal(state('sick-healed'), 'ready');

    // A bad config on reload keeps the running one.
    writeFileSync(t.config, 'listen: nowhere\n');
    const bad = await s.reload();
    assert.equal(bad.error?.code, 'SERVICE_CONFIG_BAD_LISTEN');
    assert.deepEqual(s.fleet().map((v) => v.name).sort(), ['good2', 'sick-healed', 'sick-watched']);

    await until(s, "good2's outcome", () => r.pids.has('good2'), 60_000);
    const running = [...(r.pids.get('good2') ?? []), ...(r.pids.get('sick-healed') ?? [])].filter(alive);
    assert.ok(running.length >= 2, `the ready VMs' QEMUs run before close: ${JSON.stringify([...r.pids].map(([k, v]) => [k, [...v].map((p) => [p, alive(p)])]))}`);
    await s.close();
    closed = true;
    await s.close(); // idempotent
    for (const pid of running) assert.equal(alive(pid), false, `QEMU ${pid} reaped by close()`);
  } finally {
    if (!closed) await s.close();
    rmSync(t.dir, { recursive: true, force: true });
  }
});

const pidsOf = (events: readonly ServiceEvent[], vm: string) =>
  events.flatMap((e) => (e.kind === 'boot' && e.vm === vm && e.event.type === 'outcome' && e.event.outcome.qemu.pid > 0 ? [e.event.outcome.qemu.pid] : []));
const stateOf = (events: readonly ServiceEvent[], vm: string) => {
  const last = events.findLast((e) => e.kind === 'vm-state' && e.vm === vm);
  return last?.kind === 'vm-state' ? last.state : undefined;
};

test('SIGHUP reloads the service (an added VM comes up, a changed one restarts, the others are left alone), SIGTERM stops it: exit 0, every QEMU reaped', { timeout: 900_000 }, async () => {
  const t = setup({ one: {}, two: {} }, (f) => `vms:\n  files: [${f['one']}]\n`);
  const c = serveChild(t.home, t.config);
  try {
    await c.waitFor('one ready', () => pidsOf(c.events, 'one').length > 0 && stateOf(c.events, 'one') === 'ready');
    writeFileSync(t.config, `vms:\n  files: [${t.files['one']}, ${t.files['two']}]\n`);
    c.signal('SIGHUP');
    await c.waitFor('two ready', () => pidsOf(c.events, 'two').length > 0 && stateOf(c.events, 'two') === 'ready');
    assert.equal(c.events.filter((e) => e.kind === 'boot' && e.vm === 'one' && e.event.type === 'boot-start').length, 1, 'the reload left the running VM alone');
    assert.match(c.stderr(), /"msg":"reloaded","added":"two"/);
    // A changed file restarts a VM that is not booting or healing, on the new file.
    const [firstOne] = pidsOf(c.events, 'one');
    writeFileSync(t.files['one']!, vmYaml('one', { memoryMiB: 272 }));
    c.signal('SIGHUP');
    await c.waitFor('one restarted and ready', () => pidsOf(c.events, 'one').length > 1 && stateOf(c.events, 'one') === 'ready');
    assert.match(c.stderr(), /"msg":"reloaded","changed":"one"/);
    assert.equal(alive(firstOne!), false, 'the old QEMU of the changed VM is gone');
    assert.equal(c.events.filter((e) => e.kind === 'boot' && e.vm === 'two' && e.event.type === 'boot-start').length, 1, 'the unchanged VM was left alone');
    const pids = [pidsOf(c.events, 'one').at(-1)!, ...pidsOf(c.events, 'two')];
    assert.ok(pids.every(alive), 'both QEMUs run before SIGTERM');
    c.signal('SIGTERM');
    const end = await c.exited;
    assert.deepEqual(end, { code: 0, signal: null }, c.stderr());
    assert.ok(c.lines.includes('closed'));
    for (const pid of pids) assert.equal(alive(pid), false, `QEMU ${pid} reaped`);
  } finally {
    c.signal('SIGKILL');
    rmSync(t.dir, { recursive: true, force: true });
  }
});

/** Runs the service in a child until its first remedy is applied and the boot verifying it has started, then SIGKILLs it. */
async function serveUntilMidHeal(home: string, config: string): Promise<{ events: ServiceEvent[] }> {
  const c = serveChild(home, config);
  await c.waitFor('a remedy applied and its verifying boot started', () => {
    const i = c.events.findIndex((e) => e.kind === 'heal' && e.event.type === 'action');
    return i >= 0 && c.events.slice(i).some((e) => e.kind === 'boot' && e.event.type === 'boot-start');
  });
  c.signal('SIGKILL');
  const end = await c.exited;
  assert.equal(end.signal, 'SIGKILL');
  return { events: c.events };
}

test('kill -9 mid-heal, then a restart: the incident resumes and its applied step is verified, not applied again', { timeout: 900_000 }, async () => {
  const t = setup({ sick: { memoryMiB: 80 } }, (f) => `vms:\n  files: [${f['sick']}]\n`);
  try {
    const first = await serveUntilMidHeal(t.home, t.config);
    const opened = first.events.find((e): e is ServiceEvent & { kind: 'heal' } => e.kind === 'heal' && e.event.type === 'incident-opened');
    assert.ok(opened !== undefined, 'the first run opened an incident');
    const incidentId = (opened.event as { incidentId: string }).incidentId;
    const firstActions = first.events.flatMap((e) => (e.kind === 'heal' && e.event.type === 'action' ? [e.event.seq] : []));
    assert.deepEqual(firstActions, [1]);

    const s = await createService(resolveAppConfig({ home: t.home }), loadServiceConfig({ file: t.config, home: t.home }));
    const r = record(s);
    try {
      assert.equal(s.vm('sick')?.openIncident, incidentId, 'the fleet shows the open incident from the store');
      await until(s, 'the resumed incident closed', () => r.heal('sick').some((e) => e.type === 'incident-closed'));
      const h = r.heal('sick');
      const resumed = h.find((e) => e.type === 'incident-resumed');
      assert.ok(resumed?.type === 'incident-resumed' && resumed.incidentId === incidentId, JSON.stringify(h));
      assert.deepEqual(h.filter((e) => e.type === 'action').map((e) => (e as { seq: number }).seq).filter((seq) => firstActions.includes(seq)), [], 'no step of the first run was applied again');
      const end = h.find((e) => e.type === 'incident-closed');
      assert.equal(end?.type === 'incident-closed' && end.status, 'recovered', JSON.stringify(h));
      const state = incidentState(s.store.incidents, incidentId);
      const seqs = state.steps.map((st) => st.seq);
      assert.deepEqual(seqs, [...new Set(seqs)], 'each step is journalled once');
      const bootEvents = r.events.filter((e): e is { kind: 'boot'; vm: string; event: SupervisorEvent } => e.kind === 'boot');
      assert.ok(bootEvents.some((e) => e.event.type === 'boot-abandoned'), 'the boot the killed service left open is closed as abandoned');
      await until(s, 'sick ready', () => s.vm('sick')?.state === 'ready', 60_000);
    } finally {
      await s.close();
    }
  } finally {
    rmSync(t.dir, { recursive: true, force: true });
  }
});
