import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { VmSpec } from '../../config/index.ts';
import { assertNever, readGuardedText, writeFileAtomic } from '../../core/index.ts';
import { repairImage, resolveRepairNames } from '../../image/index.ts';
import { createQemuBackend, LAST_GOOD_SNAPSHOT, patchSpec, plainSpec, recoveryErrors, type BootRequest, type BootRun, type VmBackend, type VmChange } from '../../recovery/index.ts';
import type { SupervisorDeps } from '../../supervisor/index.ts';
import { copyDisks, copyKeepingOwner, digestOf, handledDisks, type FileDisk } from './disk-state.ts';
import { domainFacts, editDomainXml, type DomainEdit, type DomainFacts } from './domain-edit.ts';
import { applyDomainTunes } from './domain-tunes.ts';
import { parseDomainXml } from '../domain-xml.ts';
import { libvirtErrors } from '../errors.ts';
import { optInOf } from '../metadata.ts';
import { virsh } from '../virsh.ts';
import { libvirtHealErrors } from './errors.ts';

// The libvirt VmBackend: remedies become changes to a domain through virsh. Memory goes
// through `setmaxmem/setmem --config`, other configuration through the persistent XML
// (dumpxml --inactive, edit, define); disk changes run after `virsh destroy` (the disk's
// write lock is free only then), each destructive one after a snapshot (an internal qcow2
// snapshot, or a copy of the disks: raw disks, and every disk of a UEFI domain, since
// libvirt 9.0 refuses internal snapshots of a domain with pflash firmware). Boots go through
// the one supervisor, over the libvirt hypervisor the composition root put in `deps`. Every
// call that changes the domain reads its XML first and refuses a domain that is not opted
// in (LIBVIRT_NOT_OPTED_IN). Before each boot it starts, the QoS class and limits the
// domain's metadata names are written into its <cputune>/<memtune>/<blkiotune> (--config;
// domain-tunes.ts), so the boot runs with them.

export type LibvirtBackendOptions = Readonly<{
  uri: string;
  domain: string;
  /** The supervisor's dependencies, with the libvirt hypervisor. */
  deps: SupervisorDeps;
  /** Domains bootmedic's config opts in (besides the domains' own metadata). */
  healList?: readonly string[];
}>;

/** Where the last-known-good record (XML + disk digests) and raw-disk copies live. */
export const libvirtStateDir = (home: string, domain: string) => join(home, 'vms', domain, 'libvirt');

/**
 * The domain's configuration and disks when it last reached ready; `rawCopies` holds copies
 * of the disks (by path) when no internal snapshot could keep them (raw disks, UEFI domains).
 */
export type LibvirtLastGood = Readonly<{ at: string; xml: string; disks: readonly { path: string; format: string; sha256: string }[]; rawCopies?: Record<string, string> }>;

/** Reads the last-known-good record of a domain, if one was kept. */
export function loadLibvirtLastGood(home: string, domain: string): LibvirtLastGood | undefined {
  const p = join(libvirtStateDir(home, domain), 'last-good.json');
  if (!existsSync(p)) return undefined;
  const text = readGuardedText(p, { what: `last good state of domain ${domain}`, maxBytes: 4 << 20 });
  try {
    return JSON.parse(text) as LibvirtLastGood;
  } catch (e) {
    throw recoveryErrors.make('RECOVERY_STATE_DAMAGED', `${p}: not valid JSON (${(e as Error).message})`);
  }
}

/** The XML fields a spec patch changes; LIBVIRT_CHANGE_UNSUPPORTED for those libvirt healing does not make. */
export function domainEditFor(domain: string, before: VmSpec, after: VmSpec): DomainEdit {
  const a = plainSpec(before);
  const b = plainSpec(after);
  const edit: { -readonly [K in keyof DomainEdit]: DomainEdit[K] } = {};
  const cmd = (s: VmSpec) => [s.cmdline, s.append].filter((x) => x !== undefined && x !== '').join(' ');
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[k]) === JSON.stringify(b[k])) continue;
    switch (k) {
      case 'memoryMiB':
        edit.memoryMiB = after.memoryMiB;
        break;
      case 'cpus':
        edit.vcpus = after.cpus;
        break;
      case 'kernel':
        edit.kernel = after.kernel ?? null;
        break;
      case 'initrd':
        edit.initrd = after.initrd === undefined || after.initrd === 'none' ? null : after.initrd;
        break;
      case 'cmdline':
      case 'append':
        edit.cmdline = cmd(after) === '' ? null : cmd(after);
        break;
      case 'accel':
        if (after.accel !== 'auto') edit.type = after.accel === 'kvm' ? 'kvm' : 'qemu';
        break;
      // How bootmedic watches the domain, not the domain itself.
      case 'stall':
      case 'bootLoop':
      case 'ready':
      case 'consoleMaxBytes':
        break;
      default:
        throw libvirtHealErrors.make('LIBVIRT_CHANGE_UNSUPPORTED', `domain ${domain}: a remedy would change ${k}, which bootmedic does not change through libvirt`);
    }
  }
  return edit;
}

/** `spec` with the memory, vCPUs and disks a domain XML has now (after a rollback brought an older XML back). */
function specFollowing(spec: VmSpec, f: DomainFacts): VmSpec {
  const disks = f.disks.filter((d) => d.path !== undefined && (d.format === 'qcow2' || d.format === 'raw'));
  const sameDisks = disks.length === spec.disks.length && disks.every((d, i) => spec.disks[i]?.path === d.path && spec.disks[i]?.format === d.format);
  if (f.memoryMiB === spec.memoryMiB && f.vcpus === spec.cpus && sameDisks) return spec;
  // A disk keeps its other settings (interface) when the path is the same.
  const next = sameDisks ? spec.disks : disks.map((d) => ({ ...(spec.disks.find((x) => x.path === d.path) ?? {}), path: d.path!, format: d.format }));
  return patchSpec(spec, { set: { memoryMiB: f.memoryMiB, cpus: f.vcpus, disks: next }, unset: [] }, `domain ${spec.name}`);
}

/** Builds the VmBackend of one libvirt domain. */
export function createLibvirtBackend(o: LibvirtBackendOptions): VmBackend {
  const { uri, domain, deps } = o;
  const stateDir = libvirtStateDir(deps.home, domain);
  const run = (args: string[]) => virsh(uri, args, { timeoutMs: 120_000 });
  const inactiveXml = async () => (await run(['dumpxml', '--inactive', domain])).stdout;

  /** The domain's persistent XML, after checking that its owner opted it in. */
  async function optedInXml(what: string): Promise<string> {
    const xml = await inactiveXml();
    if (!optInOf(parseDomainXml(xml, `domain ${domain} of ${uri}`), o.healList).heal) throw libvirtErrors.make('LIBVIRT_NOT_OPTED_IN', `domain ${domain} is not opted in to healing; bootmedic will not ${what}`);
    return xml;
  }

  async function stopIfRunning(): Promise<void> {
    const state = (await run(['domstate', domain])).stdout.trim();
    // A domain that stopped between the two calls makes destroy fail; the state after is what counts.
    if (state !== 'shut off') await run(['destroy', domain]).catch(async (e: unknown) => {
      if ((await run(['domstate', domain])).stdout.trim() !== 'shut off') throw e;
    });
  }

  const snapshotNames = async () => (await run(['snapshot-list', domain, '--name'])).stdout.split('\n').map((s) => s.trim()).filter(Boolean);

  /**
   * Before a destructive step: an internal snapshot when every disk is qcow2, else copies of
   * the disks. `replaced` disks are about to be replaced as files, which takes their internal
   * snapshots with them: then the copies are the snapshot.
   */
  async function snapshotFirst(disks: readonly FileDisk[], why: string, replaced = false): Promise<string> {
    const name = `bootmedic-before-${new Date().toISOString().replace(/[-:.]/g, '').toLowerCase()}`;
    if (disks.length === 0) return name;
    if (!replaced && disks.every((d) => d.format === 'qcow2')) {
      // A qcow2 whose header is damaged takes no internal snapshot: then a copy is the snapshot.
      const taken = await run(['snapshot-create-as', domain, name, '--description', `bootmedic: before ${why}`, '--atomic']).then(() => true, () => false);
      if (taken) return name;
    }
    copyDisks(disks, join(stateDir, name));
    return name;
  }

  async function apply(change: VmChange, spec: VmSpec): Promise<VmSpec> {
    switch (change.type) {
      case 'none':
        return spec;
      case 'spec-patch': {
        const xml = await optedInXml('change its configuration');
        const next = patchSpec(spec, change.patch, `domain ${domain}`);
        const edit = domainEditFor(domain, spec, next);
        if (Object.keys(edit).length === 0) return next;
        await stopIfRunning();
        const { memoryMiB, ...rest } = edit;
        if (memoryMiB !== undefined) {
          await run(['setmaxmem', domain, `${memoryMiB}M`, '--config']);
          await run(['setmem', domain, `${memoryMiB}M`, '--config']);
        }
        if (Object.keys(rest).length > 0) await define(editDomainXml(memoryMiB === undefined ? xml : await inactiveXml(), rest));
        return next;
      }
      case 'snapshot-rollback': {
        const xml = await optedInXml('roll it back');
        const disks = handledDisks(domain, domainFacts(xml).disks);
        await stopIfRunning();
        if ((await snapshotNames()).includes(change.snapshot)) {
          await run(['snapshot-revert', domain, change.snapshot]);
        } else {
          // The good state is its XML and copies of the disks it named (which may not be the
          // disks the domain names now): both come back, and the disks named now stay as they are.
          const lg = loadLibvirtLastGood(deps.home, domain);
          if (lg?.rawCopies === undefined) throw recoveryErrors.make('RECOVERY_NO_SNAPSHOT', `domain ${domain} has no snapshot ${change.snapshot} and no copy of its disks`);
          const copies = lg.rawCopies;
          const good = handledDisks(domain, domainFacts(lg.xml).disks);
          const missing = good.find((d) => copies[d.path] === undefined);
          if (missing !== undefined) throw recoveryErrors.make('RECOVERY_NO_SNAPSHOT', `domain ${domain}: no last-good copy of disk ${missing.target} (${missing.path})`);
          // Rolling back is destructive for the disks the good XML names; those the domain names now
          // that the good XML does not are left untouched.
          await snapshotFirst(disks.filter((d) => good.some((g) => g.path === d.path)), 'rolling back to the last good copies', true);
          for (const d of good) copyKeepingOwner(copies[d.path]!, d.path, `disk ${d.target} of domain ${domain}`);
          await define(lg.xml);
        }
        // The good state's XML came back with the disks: the spec follows its memory and vCPUs.
        return specFollowing(spec, domainFacts(await inactiveXml()));
      }
      case 'restore-golden': {
        const xml = await optedInXml('restore its files');
        const disks = handledDisks(domain, domainFacts(xml).disks);
        await stopIfRunning();
        const replaced = disks.filter((d) => change.files.some((f) => f.path === d.path));
        await snapshotFirst(disks, 'restoring golden copies', replaced.length > 0);
        for (const f of change.files) copyKeepingOwner(f.from, f.path, `golden copy for domain ${domain}`);
        // A replaced qcow2 file held the domain's internal snapshots: libvirt's record of them now points at nothing.
        if (replaced.some((d) => d.format === 'qcow2')) for (const n of await snapshotNames()) await run(['snapshot-delete', domain, n, '--metadata']);
        return spec;
      }
      case 'image-repair': {
        const xml = await optedInXml('repair its disk');
        const disks = handledDisks(domain, domainFacts(xml).disks);
        if (!disks.some((d) => d.path === change.disk)) throw libvirtHealErrors.make('LIBVIRT_CHANGE_UNSUPPORTED', `domain ${domain} has no disk ${change.disk}`);
        await stopIfRunning();
        await snapshotFirst(disks, `repair ${change.repair}`);
        const r = repairImage(change.disk, { only: resolveRepairNames([change.repair]), from: change.from, snapshotDir: change.snapshotDir });
        const why = r.unrepaired.map((u) => `${u.check}: ${u.reasons.join('; ')}`).join(', ') || 'no problem it addresses';
        if (!r.ok && r.repairs.length === 0) throw recoveryErrors.make('RECOVERY_UNSUPPORTED', `repair ${change.repair} of ${change.disk} did nothing: ${why}`);
        return spec;
      }
      default:
        return assertNever(change, 'VM change');
    }
  }

  async function define(xml: string): Promise<void> {
    const file = join(stateDir, 'define.xml');
    writeFileAtomic(file, xml);
    await run(['define', file]);
  }

  const viaSupervisor = createQemuBackend(deps);
  function boot(spec: VmSpec, req: BootRequest): BootRun {
    // A run left by a killed bootmedic, or the failed run a watch detached from, ends first:
    // the boot that verifies a remedy starts the domain afresh.
    const started = optedInXml('start it')
      .then(stopIfRunning)
      .then(() => applyDomainTunes({ uri, domain, ...(o.healList ? { healList: o.healList } : {}) }))
      .then(() => viaSupervisor.boot(spec, req));
    const first = started.then(async (r) => {
      const out = await r.first;
      if (out.status === 'ready' && req.mode === 'watch') await keepLastGood(false).catch(() => undefined);
      return out;
    });
    if (req.mode === 'once') return { first };
    return { first, background: started.then((r) => r.background ?? r.first.then((x) => [x])) };
  }

  /** Records the domain's XML and disk digests (and, for raw disks when asked, copies). */
  async function keepLastGood(copyRaw: boolean): Promise<LibvirtLastGood> {
    const xml = await inactiveXml();
    const disks = handledDisks(domain, domainFacts(xml).disks);
    const rec: LibvirtLastGood = {
      at: new Date().toISOString(),
      xml,
      disks: await Promise.all(disks.map(async (d) => ({ path: d.path, format: d.format, sha256: await digestOf(d.path) }))),
      ...(copyRaw ? { rawCopies: copyDisks(disks, join(stateDir, 'last-good-disks')) } : {}),
    };
    writeFileAtomic(join(stateDir, 'last-good.json'), `${JSON.stringify(rec, null, 2)}\n`);
    return rec;
  }

  async function keepGoodState(_spec: VmSpec): Promise<void> {
    try {
      const xml = await optedInXml('snapshot it');
      const disks = handledDisks(domain, domainFacts(xml).disks);
      const running = (await run(['domstate', domain])).stdout.trim() !== 'shut off';
      const qcow2 = disks.length > 0 && disks.every((d) => d.format === 'qcow2');
      // A snapshot of a running domain would revert to a running domain: only a stopped one is kept.
      let snapshot = false;
      if (qcow2 && !running) {
        if ((await snapshotNames()).includes(LAST_GOOD_SNAPSHOT)) await run(['snapshot-delete', domain, LAST_GOOD_SNAPSHOT]);
        // libvirt refuses an internal snapshot of a UEFI (pflash) domain: its disks are copied instead.
        snapshot = await run(['snapshot-create-as', domain, LAST_GOOD_SNAPSHOT, '--description', 'bootmedic: the last boot that reached ready', '--atomic']).then(() => true, () => false);
      }
      await keepLastGood(!snapshot && !running && disks.length > 0);
    } catch {
      // Best effort: a disk in use or a format bootmedic cannot copy leaves the previous good state.
    }
  }

  async function hasGoodState(_spec: VmSpec): Promise<boolean> {
    try {
      if ((await snapshotNames()).includes(LAST_GOOD_SNAPSHOT)) return true;
      return loadLibvirtLastGood(deps.home, domain)?.rawCopies !== undefined;
    } catch {
      return false;
    }
  }

  return { apply, boot, keepGoodState, hasGoodState };
}
