import { basename, join } from 'node:path';
import type { VmSpec } from '../config/index.ts';
import type { Remedy } from '../heal/index.ts';
import { growMemory, type HostMemory } from '../resources/index.ts';
import type { LastGood } from './vm-config.ts';
import type { Refusal, VmChange } from './vm-change.ts';

// Healing as a table: one small pure handler per remedy action kind, from what the VM is
// now (a HealContext, gathered by the heal target) to the change a backend carries out.
// Adding an action kind touches one row; the exhaustive Record makes a missing row a
// type error.

/** The internal qcow2 snapshot taken after a good boot and used by rollback-snapshot. */
export const LAST_GOOD_SNAPSHOT = 'bootmedic-last-good';

/** Everything a handler may read; built by the heal target, or by hand in a test. */
export type HealContext = Readonly<{
  spec: VmSpec;
  lastGood: LastGood | undefined;
  /** The most memory healing may give the VM. */
  maxMemoryMiB: number;
  /** The host's memory and the admission headroom; without it memory grows up to maxMemoryMiB unchecked (hand-built contexts). */
  hostMemory?: HostMemory & { headroomMiB: number };
  /** A kernel known to have booted before this one. */
  previousKernel: string | undefined;
  /** Where golden copies live, by file name. */
  goldenDir: string;
  /** The golden source of each file the VM names that has one (the golden copy, else the built guest's file). */
  golden: ReadonlyMap<string, string>;
  /** Where an image repair keeps its before-copy. */
  forensicsDir: string;
}>;

type Action = Remedy['action'];
type Handler<K extends Action['kind']> = (ctx: HealContext, a: Extract<Action, { kind: K }>) => VmChange | Refusal;

const refuse = (code: Refusal['code'], message: string): Refusal => ({ type: 'refused', code, message });
const set = (fields: Record<string, unknown>, unset: string[] = []): VmChange => ({ type: 'spec-patch', patch: { set: fields, unset } });

/** The fields a fingerprint covers, except the accelerator (switch-accel owns it). */
const REVERTED_FIELDS = ['kernel', 'initrd', 'cmdline', 'append', 'memoryMiB', 'cpus', 'disks', 'firmware'] as const;

function restoreGolden(ctx: HealContext, paths: readonly string[]): VmChange | Refusal {
  const files = [];
  for (const path of paths) {
    const from = ctx.golden.get(path);
    if (from === undefined) return refuse('RECOVERY_NO_GOLDEN', `no golden copy of ${path} (looked in ${ctx.goldenDir})`);
    if (from !== path) files.push({ path, from }); // the golden copy itself needs no restore
  }
  return { type: 'restore-golden', files };
}

function imageRepair(ctx: HealContext, repair: string): VmChange | Refusal {
  const { spec } = ctx;
  if (repair === 'restore-boot-artefacts' && (spec.kernel !== undefined || spec.guest === 'tiny')) {
    // Direct kernel boot: the artefacts are host files the VM names.
    return restoreGolden(ctx, [spec.kernel, spec.initrd].filter((p): p is string => p !== undefined && p !== 'none'));
  }
  if (repair === 'restore-disk') {
    if (spec.disks.length === 0) return refuse('RECOVERY_UNSUPPORTED', `VM ${spec.name} has no disk to restore`);
    return restoreGolden(ctx, spec.disks.map((d) => d.path));
  }
  const disk = spec.disks[0]?.path;
  if (disk === undefined) return refuse('RECOVERY_UNSUPPORTED', `VM ${spec.name} has no disk for repair ${repair}`);
  return { type: 'image-repair', disk, repair, from: ctx.golden.get(disk), snapshotDir: ctx.forensicsDir };
}

const HANDLERS: { readonly [K in Action['kind']]: Handler<K> } = {
  // The executor waits the backoff; the next boot is the retry.
  retry: () => ({ type: 'none', why: 'the next boot is the retry' }),
  'extend-stall-budget': ({ spec: { stall } }, a) =>
    set({ stall: { ...stall, defaultSeconds: stall.defaultSeconds * a.factor, floorSeconds: stall.floorSeconds * a.factor, factor: Math.min(100, stall.factor * a.factor) } }),
  'set-memory': (ctx, a) => {
    const wanted = Math.round(ctx.spec.memoryMiB * a.factor);
    if (ctx.hostMemory === undefined) return set({ memoryMiB: Math.min(ctx.maxMemoryMiB, wanted) });
    // The admission check of a boot, asked before the change: never more than the host can hold.
    const g = growMemory({ vm: ctx.spec.name, currentMiB: ctx.spec.memoryMiB, wantedMiB: wanted, maxMiB: ctx.maxMemoryMiB, headroomMiB: ctx.hostMemory.headroomMiB }, ctx.hostMemory);
    if (g.type === 'refuse') return refuse('RECOVERY_NO_MEMORY', g.reason);
    return { ...set({ memoryMiB: g.memoryMiB }), ...(g.capped === undefined ? {} : { note: g.capped }) };
  },
  'revert-config': ({ spec, lastGood }) => {
    if (lastGood === undefined) return refuse('RECOVERY_NO_LAST_GOOD', `VM ${spec.name} has no recorded good boot`);
    const fields: Record<string, unknown> = {};
    for (const k of REVERTED_FIELDS) if (lastGood.spec[k] !== undefined) fields[k] = lastGood.spec[k];
    return set(fields, REVERTED_FIELDS.filter((k) => lastGood.spec[k] === undefined));
  },
  'rollback-snapshot': ({ spec }) => ({ type: 'snapshot-rollback', disks: spec.disks.filter((d) => d.format === 'qcow2').map((d) => d.path), snapshot: LAST_GOOD_SNAPSHOT }),
  'previous-kernel': ({ spec, previousKernel }) =>
    previousKernel === undefined ? refuse('RECOVERY_UNSUPPORTED', `VM ${spec.name}: no previous kernel is known`) : set({ kernel: previousKernel }),
  'switch-accel': (_ctx, a) => set({ accel: a.to }),
  'image-repair': (ctx, a) => imageRepair(ctx, a.repair),
};

/** The change that carries out a remedy's action on the VM `ctx` describes, or why it cannot be. Pure. */
export function changeFor(ctx: HealContext, a: Remedy['action']): VmChange | Refusal {
  // TypeScript cannot correlate the row with the action's kind; the Record's type ties them.
  return (HANDLERS[a.kind] as Handler<typeof a.kind>)(ctx, a);
}

/** Where the golden copy of `path` would be. */
export const goldenPathOf = (goldenDir: string, path: string) => join(goldenDir, basename(path));
