import { fileURLToPath } from 'node:url';
import { loadDataFile } from '../core/index.ts';
import { z } from 'zod';
import { CAUSE_IDS } from '../diagnose/index.ts';
import { healErrors } from './errors.ts';

// Remedies are data (src/heal/data/remedies.yaml). This file validates them and turns
// each into what the planner needs: is it applicable in this context, what does it cost
// in seconds, and P(fixes | cause) as a vector in CAUSE_IDS order.

/** Facts about the VM and its surroundings that remedy preconditions test. */
export type RemedyContext = Readonly<{
  accel: 'kvm' | 'tcg';
  memoryMiB: number;
  /** The most memory healing may give this VM (policy and host). */
  maxMemoryMiB: number;
  /** A last good fingerprint of this VM is known. */
  hasLastGood: boolean;
  /** Fields that differ from the last good fingerprint. */
  changed: readonly ('kernel' | 'initrd' | 'cmdline' | 'memory' | 'cpus' | 'disks' | 'accel')[];
  /** The VM has at least one disk. */
  hasDisk: boolean;
  /** The kernel and initrd are read from the VM's disk (GRUB), not passed to QEMU. */
  bootFromDisk: boolean;
  hasSnapshot: boolean;
  hasGolden: boolean;
  hasPreviousKernel: boolean;
  /** Names of image repairs the image part can run on this VM (e.g. fsck-root, fstab-nofail). */
  imageRepairs: readonly string[];
  /** A clean boot of this VM, in seconds (learned from good boots). */
  cleanBootSeconds: number;
  /** How the latest boot of this VM ended (the failure, or the last verification boot). */
  lastVerdict?: 'failed' | 'stalled';
}>;

const FACTS: Readonly<Record<string, (c: RemedyContext) => boolean>> = {
  kvm: (c) => c.accel === 'kvm',
  stalled: (c) => c.lastVerdict === 'stalled',
  'not-stalled': (c) => c.lastVerdict !== 'stalled',
  'memory-below-max': (c) => c.memoryMiB < c.maxMemoryMiB,
  'last-good': (c) => c.hasLastGood,
  'config-differs': (c) => c.changed.some((f) => f !== 'accel'),
  disk: (c) => c.hasDisk,
  'boot-from-disk': (c) => c.bootFromDisk,
  snapshot: (c) => c.hasSnapshot,
  golden: (c) => c.hasGolden,
  'previous-kernel': (c) => c.hasPreviousKernel,
  'changed-kernel': (c) => c.changed.includes('kernel'),
  'changed-initrd': (c) => c.changed.includes('initrd'),
  'changed-cmdline': (c) => c.changed.includes('cmdline'),
  'changed-memory': (c) => c.changed.includes('memory'),
  'changed-cpus': (c) => c.changed.includes('cpus'),
  'changed-disks': (c) => c.changed.includes('disks'),
};

/** True when the named fact holds; `repair-<name>` asks whether that image repair is offered. */
export function factHolds(name: string, ctx: RemedyContext): boolean {
  if (name.startsWith('repair-')) return ctx.imageRepairs.includes(name.slice('repair-'.length));
  const f = FACTS[name];
  if (f === undefined) throw new Error(`unknown fact ${name}`);
  return f(ctx);
}

const isFact = (s: string) => s.startsWith('repair-') || FACTS[s] !== undefined;
const Fact = z.string().refine(isFact, { message: `unknown fact (known: ${Object.keys(FACTS).join(', ')}, repair-<name>)` });
// P(fix) below 1: a remedy that "always" works would make a failed attempt impossible evidence.
const FixRow = z.record(z.string(), z.number().min(0).max(0.99)).superRefine((row, ctx) => {
  for (const k of Object.keys(row)) if (!(CAUSE_IDS as readonly string[]).includes(k)) ctx.addIssue({ code: 'custom', message: `unknown cause "${k}"` });
});

const ActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('retry') }).strict(),
  z.object({ kind: z.literal('set-memory'), factor: z.number().gt(1) }).strict(),
  z.object({ kind: z.literal('revert-config') }).strict(),
  z.object({ kind: z.literal('rollback-snapshot') }).strict(),
  z.object({ kind: z.literal('image-repair'), repair: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('previous-kernel') }).strict(),
  z.object({ kind: z.literal('switch-accel'), to: z.enum(['kvm', 'tcg']) }).strict(),
  z.object({ kind: z.literal('extend-stall-budget'), factor: z.number().gt(1) }).strict(),
]);

const RemedySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string(),
    action: ActionSchema,
    preconditions: z.array(Fact),
    cost: z.object({ seconds: z.number().nonnegative(), boots: z.number().nonnegative() }).strict(),
    backoffSeconds: z.array(z.number().nonnegative()).optional(),
    resources: z.number().positive(),
    destructive: z.boolean(),
    idempotent: z.boolean(),
    maxAttempts: z.number().int().min(1),
    fixes: FixRow,
    fixesWhen: z.array(z.object({ if: Fact, fixes: FixRow }).strict()).default([]),
  })
  .strict();

const BookSchema = z
  .object({
    handOver: z.object({ title: z.string(), costSeconds: z.number().nonnegative() }).strict(),
    remedies: z.array(RemedySchema).min(1),
  })
  .strict();

/** What a HealTarget must do for a remedy (a tagged union on `kind`). */
export type RemedyAction = z.infer<typeof ActionSchema>;
/** One remedy as data. */
export type Remedy = z.infer<typeof RemedySchema>;
/** All remedies plus the hand-over. */
export type RemedyBook = Readonly<{ remedies: readonly Remedy[]; handOver: { title: string; costSeconds: number }; source: string }>;

/** Validates a remedy book object; throws HEAL_BAD_REMEDIES naming the field. */
export function compileRemedies(input: unknown, where: string): RemedyBook {
  const r = BookSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw healErrors.make('HEAL_BAD_REMEDIES', `${where}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  const ids = new Set<string>();
  for (const m of r.data.remedies) {
    if (ids.has(m.id)) throw healErrors.make('HEAL_BAD_REMEDIES', `${where}: remedy id "${m.id}" appears twice`);
    ids.add(m.id);
  }
  return Object.freeze({ remedies: r.data.remedies, handOver: r.data.handOver, source: where });
}

/** Loads a remedies YAML file; throws HEAL_BAD_REMEDIES naming the file and field. */
export function loadRemedies(path: string): RemedyBook {
  const raw = loadDataFile(path, {
    what: 'remedies file',
    missing: (m) => healErrors.make('HEAL_BAD_REMEDIES', m),
    fail: (m) => healErrors.make('HEAL_BAD_REMEDIES', m),
  });
  return compileRemedies(raw, path);
}

let cached: RemedyBook | undefined;
/** The remedies that ship with bootmedic, loaded once. */
export function defaultRemedies(): RemedyBook {
  cached ??= loadRemedies(fileURLToPath(new URL('./data/remedies.yaml', import.meta.url)));
  return cached;
}

/** True when every precondition of the remedy holds. */
export function isApplicable(r: Remedy, ctx: RemedyContext): boolean {
  return r.preconditions.every((p) => factHolds(p, ctx));
}

/** The wait before attempt `attempt` (1-based) of a remedy with a backoff, in seconds. */
export function backoffSeconds(r: Remedy, attempt: number): number {
  const b = r.backoffSeconds;
  return b === undefined || b.length === 0 ? 0 : b[Math.min(Math.max(attempt, 1), b.length) - 1]!;
}

/** Expected seconds of attempt `attempt` (1-based) in this context, its backoff included. */
export function costSeconds(r: Remedy, ctx: RemedyContext, attempt = 1): number {
  return r.cost.seconds + backoffSeconds(r, attempt) + r.cost.boots * ctx.cleanBootSeconds;
}

/** P(the remedy fixes the boot | cause), per cause in CAUSE_IDS order, in this context. */
export function fixVector(r: Remedy, ctx: RemedyContext): number[] {
  const rows = [r.fixes, ...r.fixesWhen.filter((w) => factHolds(w.if, ctx)).map((w) => w.fixes)];
  return CAUSE_IDS.map((c) => Math.max(0, ...rows.map((row) => row[c] ?? 0)));
}

/**
 * The configuration fields a fingerprint diff reports as changed, as RemedyContext['changed']
 * wants them. A file that is merely gone ('missing') or a disk whose bytes changed is not a
 * configuration change: reverting the configuration would name the same file or disk.
 * Which disks are attached is configuration.
 */
export function changedFields(diff: { kernel: string; initrd: string; cmdline: string; memory: string; cpus: string; disks: string; accel: string }): RemedyContext['changed'] {
  const out: RemedyContext['changed'][number][] = [];
  for (const f of ['kernel', 'initrd', 'cmdline', 'memory', 'cpus', 'accel'] as const) if (diff[f] !== 'same' && diff[f] !== 'missing') out.push(f);
  if (diff.disks === 'removed' || diff.disks === 'added') out.push('disks');
  return out;
}
