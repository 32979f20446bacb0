// Healing through libvirt on a real libvirtd with tiny-guest TCG domains: an opted-in domain
// with too little memory is healed by raising it in its persistent XML (the proof is the
// next boot's ready verdict); a domain that is not opted in is reported but never touched;
// a healer killed with SIGKILL after a remedy resumes without applying it again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveAppConfig } from '../src/config/index.ts';
import { isBootmedicError, runToolSync } from '../src/core/index.ts';
import { openIncidentOf, type HealEvent } from '../src/heal/index.ts';
import { healDomain, libvirtHealer, openDomainHealTarget, watchLibvirt } from '../src/libvirt/index.ts';
import { healBoot } from '../src/recovery/index.ts';
import { openStore } from '../src/store/index.ts';
import type { BootOutcome } from '../src/supervisor/index.ts';
import { defineTinyDomain, descendants, useLibvirtd, type TinyDomain } from '../testkit/index.ts';

const lv = useLibvirtd();
const homes: string[] = [];
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
const tempHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'bm-lvheal-'));
  homes.push(h);
  return h;
};
const virsh = (args: string[]) => runToolSync('virsh', ['-c', 'qemu:///system', ...args]).stdout;
const memoryKiB = (d: TinyDomain) => Number(/<memory unit='KiB'>(\d+)<\/memory>/.exec(virsh(['dumpxml', '--inactive', d.name]))?.[1]);
/** Opted in, ready at the tiny guest's marker. */
const OPTED_IN = '<bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1"><bootmedic:heal>true</bootmedic:heal><bootmedic:ready marker="bootmedic-ready"/></bootmedic:domain>';
const WATCHED = '<bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1"><bootmedic:ready marker="bootmedic-ready"/></bootmedic:domain>';
/** At 80 MiB the tiny guest's kernel runs out of memory unpacking its initramfs and panics (the catalogue's low-memory fault). */
const LOW_MEMORY = 80;

test('an opted-in domain with too little memory is healed by raising the memory in its persistent XML', { skip: lv.skip, timeout: 300_000 }, async () => {
  const d = defineTinyDomain({ name: 'lowmem', memoryMiB: LOW_MEMORY, metadata: OPTED_IN });
  const home = tempHome();
  const store = openStore({ home });
  try {
    const h = await openDomainHealTarget({ uri: d.uri, domain: d.name, app: resolveAppConfig({ home }), deps: { home, store } });
    let first: BootOutcome;
    try {
      first = await h.target.boot();
    } finally {
      await h.close();
    }
    assert.equal(first.status, 'failed', `${first.status}: ${first.reason}`);
    const r = await healDomain({ uri: d.uri, domain: d.name, app: resolveAppConfig({ home }), deps: { home, store }, incidents: store.incidents, outcome: first });
    assert.equal(r.diagnosis?.causes[0]?.cause, 'insufficient-memory');
    assert.equal(r.result.outcome, 'recovered', JSON.stringify(r.result.steps));
    assert.equal(r.result.fixedBy, 'more-memory');
    assert.equal(memoryKiB(d), 2 * LOW_MEMORY * 1024, 'the persistent XML has twice the memory');
    assert.equal(virsh(['domstate', d.name]).trim(), 'shut off', 'the verification boot stopped the domain again');
  } finally {
    store.close();
  }
});

test('a failing domain that is not opted in is reported with its findings, and never touched', { skip: lv.skip, timeout: 300_000 }, async () => {
  const d = defineTinyDomain({ name: 'watchonly', memoryMiB: LOW_MEMORY, metadata: WATCHED });
  const disk = join(d.dir, 'data.qcow2');
  runToolSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '4M']);
  virsh(['attach-disk', d.name, disk, 'vdb', '--driver', 'qemu', '--subdriver', 'qcow2', '--targetbus', 'virtio', '--config']);
  const home = tempHome();
  const store = openStore({ home });
  const ac = new AbortController();
  try {
    let outcome: BootOutcome | undefined;
    const watching = watchLibvirt({
      uri: d.uri, deps: { home, store }, signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'waiting' && e.domain === d.name) d.start(); // the operator starts it
        if (e.type === 'outcome' && e.domain === d.name) {
          outcome = e.outcome;
          ac.abort();
        }
      },
    });
    const timer = setTimeout(() => ac.abort(), 240_000);
    await watching;
    clearTimeout(timer);
    assert.ok(outcome !== undefined, 'the watch reported a verdict');
    assert.equal(outcome.status, 'failed', outcome.reason);
    assert.ok(outcome.findings.some((f) => f.severity !== 'info'), 'with findings');
    const xmlBefore = virsh(['dumpxml', '--inactive', d.name]);
    const stateBefore = virsh(['domstate', d.name]).trim();
    const digest = createHash('sha256').update(readFileSync(disk)).digest('hex');
    // The heal path refuses before it creates anything that could act.
    await assert.rejects(
      healDomain({ uri: d.uri, domain: d.name, app: resolveAppConfig({ home }), deps: { home, store }, incidents: store.incidents, outcome }),
      (e: unknown) => isBootmedicError(e, 'LIBVIRT_NOT_OPTED_IN') && e.message.includes(d.name),
    );
    assert.equal(virsh(['dumpxml', '--inactive', d.name]), xmlBefore, 'XML unchanged');
    assert.equal(virsh(['domstate', d.name]).trim(), stateBefore, `state unchanged (${stateBefore})`);
    assert.equal(createHash('sha256').update(readFileSync(disk)).digest('hex'), digest, 'disk unchanged');
    assert.equal(virsh(['snapshot-list', d.name, '--name']).trim(), '', 'no snapshot');
    assert.equal(openIncidentOf(store.incidents, d.name), undefined, 'no incident: the watch alone never heals');
  } finally {
    ac.abort();
    store.close();
  }
});

/** Runs the healer child on `d` until it hangs after its first remedy, then SIGKILLs it (and its virsh streams). */
function healUntilKilled(home: string, d: TinyDomain): Promise<string> {
  const child = new URL('./fixtures/libvirt-heal-until-killed.ts', import.meta.url).pathname;
  return new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, [child, home, d.uri, d.name], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    const guard = setTimeout(() => p.kill('SIGKILL'), 200_000);
    p.stderr.setEncoding('utf8').on('data', (x: string) => (err += x));
    p.stdout.setEncoding('utf8').on('data', (x: string) => {
      text += x;
      if (text.includes('hanging\n')) {
        const left = descendants(p.pid!).map((c) => c.pid);
        p.kill('SIGKILL');
        // Its virsh event streams ran in their own process groups: end them (ours, by pid).
        for (const pid of left) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }
    });
    p.on('exit', (_c, signal) => {
      clearTimeout(guard);
      if (signal === 'SIGKILL' && text.includes('hanging\n')) resolve(text);
      else reject(new Error(`the healer did not hang after a remedy (signal ${signal}): ${text}${err}`));
    });
  });
}

/** A second healer resumes the domain's open incident (left in 'verifying' by the killed one). */
async function resumeHeal(home: string, d: TinyDomain) {
  const store = openStore({ home });
  try {
    const open = openIncidentOf(store.incidents, d.name);
    assert.ok(open !== undefined, 'the incident is still open');
    assert.equal(open.type, 'verifying', 'the killed healer left its step applied, awaiting verification');
    const h = await openDomainHealTarget({ uri: d.uri, domain: d.name, app: resolveAppConfig({ home }), deps: { home, store }, resume: true });
    try {
      const r = await healBoot({ target: h.target, deps: { home, store, hypervisor: h.hypervisor }, incidents: store.incidents });
      const last = h.target.lastOutcome();
      assert.equal(r.result.outcome, 'recovered', `${JSON.stringify(r.result.steps)}; last boot ${last?.status}: ${last?.reason}`);
      return r.result;
    } finally {
      await h.close();
    }
  } finally {
    store.close();
  }
}

test('kill -9 of a healer after a libvirt remedy: the restarted healer verifies it and does not raise the memory again', { skip: lv.skip, timeout: 300_000 }, async () => {
  const d = defineTinyDomain({ name: 'killed', memoryMiB: LOW_MEMORY, metadata: OPTED_IN });
  const home = tempHome();
  const out = await healUntilKilled(home, d);
  assert.match(out, /first failed/);
  assert.match(out, /applied more-memory/);
  assert.equal(memoryKiB(d), 2 * LOW_MEMORY * 1024, 'the remedy was applied once before the kill');
  const r = await resumeHeal(home, d);
  assert.equal(memoryKiB(d), 2 * LOW_MEMORY * 1024, 'memory raised once, not twice');
  assert.equal(r.fixedBy, 'more-memory');
  assert.deepEqual(r.steps.map((s) => s.remedy), ['more-memory'], 'one step in the incident: the remedy was not applied again');
});

test('kill -9 after a destructive libvirt step (golden restore, snapshot first): the restarted healer does not restore or snapshot again', { skip: lv.skip, timeout: 300_000 }, async (t) => {
  const d = defineTinyDomain({ name: 'killrestore', metadata: OPTED_IN });
  // The harness undefines without --snapshots-metadata: drop the snapshots' metadata first.
  t.after(() => void runToolSync('virsh', ['-c', d.uri, 'undefine', d.name, '--snapshots-metadata'], { check: false }));
  const disk = join(d.dir, 'data.qcow2');
  runToolSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '4M']);
  virsh(['attach-disk', d.name, disk, 'vdb', '--driver', 'qemu', '--subdriver', 'qcow2', '--targetbus', 'virtio', '--config']);
  const home = tempHome();
  // Golden copies of the kernel and initramfs, then the domain's own copy cut to a third (the catalogue's truncated-initrd).
  const initrd = join(d.dir, 'initrd.cpio.gz');
  const golden = join(home, 'vms', d.name, 'golden');
  mkdirSync(golden, { recursive: true });
  copyFileSync(initrd, join(golden, 'initrd.cpio.gz'));
  copyFileSync(join(d.dir, 'vmlinuz'), join(golden, 'vmlinuz'));
  const good = readFileSync(initrd);
  writeFileSync(initrd, good.subarray(0, Math.floor(good.length * 0.34)));
  const out = await healUntilKilled(home, d);
  assert.match(out, /first failed/);
  assert.match(out, /applied restore-boot-artefacts/);
  const snaps = () => virsh(['snapshot-list', d.name, '--name']).split('\n').map((x) => x.trim()).filter((x) => x.startsWith('bootmedic-before-'));
  assert.equal(snaps().length, 1, 'a snapshot was taken before the restore');
  assert.ok(readFileSync(initrd).equals(good), 'the initramfs was restored before the kill');
  const r = await resumeHeal(home, d);
  assert.equal(r.fixedBy, 'restore-boot-artefacts');
  assert.deepEqual(r.steps.map((s) => s.remedy), ['restore-boot-artefacts'], 'one step: not applied again');
  assert.equal(snaps().length, 1, 'no second snapshot: the destructive step did not run again');
});

test('watch --libvirt --heal: an opted-in domain started with too little memory is healed and left running', { skip: lv.skip, timeout: 400_000 }, async () => {
  const d = defineTinyDomain({ name: 'watchheal', memoryMiB: LOW_MEMORY, metadata: OPTED_IN });
  const home = tempHome();
  const store = openStore({ home });
  const ac = new AbortController();
  const heals: HealEvent[] = [];
  const outcomes: BootOutcome[] = [];
  let started = false;
  let healed = false;
  try {
    const timer = setTimeout(() => ac.abort(), 360_000);
    await watchLibvirt({
      uri: d.uri, deps: { home, store }, signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'outcome' && e.domain === d.name) outcomes.push(e.outcome);
        if (e.type !== 'waiting' || e.domain !== d.name) return;
        if (!started) {
          started = true;
          d.start(); // the operator starts it
        } else if (healed) ac.abort(); // the follower waits again after the heal: done
      },
      afterOutcome: libvirtHealer({
        uri: d.uri, app: resolveAppConfig({ home }), deps: { home, store }, incidents: store.incidents,
        onHealEvent: (_domain, e) => {
          heals.push(e);
          if (e.type === 'incident-closed') healed = true;
        },
      }).afterOutcome,
    });
    clearTimeout(timer);
    assert.equal(outcomes[0]?.status, 'failed', 'the watch saw the failed boot');
    const closed = heals.find((e) => e.type === 'incident-closed');
    assert.ok(closed !== undefined && closed.type === 'incident-closed' && closed.status === 'recovered', JSON.stringify(heals.map((e) => e.type)));
    assert.equal(memoryKiB(d), 2 * LOW_MEMORY * 1024, 'the persistent XML has twice the memory');
    assert.equal(virsh(['domstate', d.name]).trim(), 'running', 'the healed domain keeps running');
  } finally {
    ac.abort();
    store.close();
  }
});
