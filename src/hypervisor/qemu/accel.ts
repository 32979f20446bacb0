// The accelerator probe. /dev/kvm can exist and still hang (nested virtualisation on
// this kind of host): KVM is used only when a short real boot of the tiny guest reaches
// its ready marker under KVM within a hard timeout; otherwise TCG. The verdict is cached
// in <cache>/accel.json for a short time so each boot does not pay for the probe.
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { parseVmSpec, type AppConfig, type VmSpec } from '../../config/index.ts';
import { isBootmedicError, writeFileAtomic } from '../../core/index.ts';
import type { Accel, AccelVerdict, LaunchOptions, VmProcess } from '../types.ts';

const CacheSchema = z.object({ accel: z.enum(['kvm', 'tcg']), reason: z.string(), atMs: z.number() }).strict();

export type ProbeOptions = {
  signal?: AbortSignal;
  /** Ignore the cached verdict. */
  fresh?: boolean;
  /** How long a verdict is reused (default 1 h). */
  ttlMs?: number;
  /** Hard limit on the KVM probe boot (default 20 s, far above what a working KVM needs: docs/hypervisor.md). */
  timeoutMs?: number;
  kvmDevice?: string;
};

type Launch = (spec: VmSpec, opts: LaunchOptions) => Promise<VmProcess>;

/** Decides between KVM and TCG with a real boot, caching the verdict with its reason. */
export async function probeAccel(app: AppConfig, launch: Launch, opts: ProbeOptions = {}): Promise<AccelVerdict> {
  const cachePath = join(app.cache, 'accel.json');
  const ttl = opts.ttlMs ?? 3_600_000;
  if (!opts.fresh) {
    try {
      const c = CacheSchema.parse(JSON.parse(readFileSync(cachePath, 'utf8')));
      const age = Date.now() - c.atMs;
      if (age >= 0 && age < ttl) return { accel: c.accel, reason: `${c.reason} (cached ${Math.round(age / 60000)} min ago)` };
    } catch {
      // absent or stale format: probe again
    }
  }
  const save = (v: AccelVerdict): AccelVerdict => {
    writeFileAtomic(cachePath, JSON.stringify({ ...v, atMs: Date.now() }) + '\n');
    return v;
  };
  const dev = opts.kvmDevice ?? '/dev/kvm';
  if (!existsSync(dev)) return save({ accel: 'tcg', reason: `${dev} does not exist` });
  try {
    accessSync(dev, constants.R_OK | constants.W_OK);
  } catch {
    return save({ accel: 'tcg', reason: `${dev} is not readable and writable by this user` });
  }
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const spec = parseVmSpec({ name: 'accel-probe', guest: 'tiny', memoryMiB: 128, append: 'bootmedic.after=poweroff' }, 'accel probe', app.cache);
  const runDir = mkdtempSync(join(tmpdir(), 'bootmedic-probe-'));
  let vm: VmProcess | undefined;
  try {
    const t0 = performance.now();
    vm = await launch(spec, { runDir, accel: 'kvm', qmpTimeoutMs: 10_000, ...(opts.signal ? { signal: opts.signal } : {}) });
    const verdict = await waitReady(vm, timeoutMs, opts.signal);
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    if (verdict === 'ready') return save({ accel: 'kvm', reason: `KVM booted the tiny guest to ready in ${s} s` });
    if (verdict === 'aborted') return { accel: 'tcg', reason: 'KVM probe aborted' };
    return save({ accel: 'tcg', reason: verdict === 'timeout' ? `${dev} exists but a KVM boot of the tiny guest did not reach ready within ${timeoutMs / 1000} s (KVM hangs here, e.g. nested virtualisation)` : `a KVM boot of the tiny guest ended before ready: ${verdict}` });
  } catch (e) {
    if (isBootmedicError(e, 'GUEST_NOT_BUILT')) return { accel: 'tcg', reason: "KVM not proven: the tiny guest is not built ('bootmedic guest build tiny')" };
    if (isBootmedicError(e)) return save({ accel: 'tcg', reason: `QEMU could not start with KVM: ${e.message}` });
    throw e;
  } finally {
    if (vm) await vm.stop({ graceMs: 500 });
    rmSync(runDir, { recursive: true, force: true });
  }
}

async function waitReady(vm: VmProcess, timeoutMs: number, signal?: AbortSignal): Promise<'ready' | 'timeout' | 'aborted' | string> {
  return new Promise((resolve) => {
    let text = '';
    let finished = false;
    let off = () => {};
    const done = (v: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      off();
      signal?.removeEventListener('abort', onAbort);
      resolve(v);
    };
    const onAbort = () => done('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    off = vm.onEvent((ev) => {
      if (ev.type === 'console') {
        text = (text + Buffer.from(ev.chunk).toString('latin1')).slice(-4096);
        if (text.includes('bootmedic-ready')) done('ready');
      } else if (ev.type === 'exit') done(ev.error ? ev.error.message : `QEMU exited (status ${ev.code})`);
    });
    // The first subscriber gets the backlog synchronously, which may already have finished us.
    if (finished) off();
  });
}

/** The accelerator a boot uses: an explicit one, the VM's choice, or the probe's. */
export async function chooseAccel(spec: VmSpec, explicit: Accel | undefined, probe: () => Promise<AccelVerdict>): Promise<Accel> {
  if (explicit) return explicit;
  if (spec.accel === 'kvm' || spec.accel === 'tcg') return spec.accel;
  return (await probe()).accel;
}
