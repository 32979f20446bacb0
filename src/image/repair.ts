import { isBootmedicError } from '../core/index.ts';
import { imageErrors } from './errors.ts';
import { analyzeImage, type OpenInspection } from './inspect.ts';
import { loadRepairCatalogue, REPAIR_IDS, type RepairId, type RepairSpec } from './repair-catalogue.ts';
import type { Precondition, RepairEnv, RepairImpl } from './repair-env.ts';
import { restoreBootFiles, restoreEsp, restoreLoaders, fixGrubCfg } from './repair-esp.ts';
import { restoreDisk } from './repair-disk.ts';
import { restoreBiosBoot } from './repair-bios.ts';
import { rewriteGpt } from './repair-gpt.ts';
import { fixFstab, fsckRoot } from './repair-root.ts';
import type { InspectReport } from './report.ts';
import { assertNotInUse } from './tools.ts';
import { takeSnapshot, type ForensicSnapshot } from './snapshot.ts';

const IMPLS: Readonly<Record<RepairId, RepairImpl>> = {
  'rewrite-gpt': rewriteGpt,
  'fsck-root': fsckRoot,
  'restore-esp': restoreEsp,
  'restore-boot-files': restoreBootFiles,
  'fix-grub-cfg': fixGrubCfg,
  'fix-fstab': fixFstab,
  'restore-disk': restoreDisk,
  'restore-bios-boot': restoreBiosBoot,
  'restore-loaders': restoreLoaders,
};

/** A targeted image repair: its data (causes, cost, the checks it fixes) and its code. */
export type ImageRepair = RepairSpec & RepairImpl;

/** Every image repair, in the order a run applies them (lower layers first). */
const CATALOGUE = loadRepairCatalogue();
export const IMAGE_REPAIRS: readonly ImageRepair[] = Object.freeze(CATALOGUE.repairs.map((s) => Object.freeze({ ...s, ...IMPLS[s.id] })));

/** Group names other parts use (heal's `restore-boot-artefacts`, `fstab-nofail`), mapped to repair ids. */
export const REPAIR_ALIASES = CATALOGUE.aliases;

/** Turns repair ids or alias names into repair ids; an unknown name is IMAGE_REPAIR_FAILED. */
export function resolveRepairNames(names: readonly string[]): RepairId[] {
  const out = new Set<RepairId>();
  for (const n of names) {
    if ((REPAIR_IDS as readonly string[]).includes(n)) out.add(n as RepairId);
    else if (REPAIR_ALIASES[n] !== undefined) for (const id of REPAIR_ALIASES[n]) out.add(id);
    else throw imageErrors.make('IMAGE_REPAIR_FAILED', `unknown image repair '${n}'`, { fix: `use one of ${[...REPAIR_IDS, ...Object.keys(REPAIR_ALIASES)].join(', ')}` });
  }
  return [...out];
}

/**
 * The repairs (ids and aliases) whose preconditions hold for this disk now: what heal's
 * RemedyContext.imageRepairs should list. Reads only.
 */
export function offeredRepairs(disk: string, o: { from?: string | undefined } = {}): string[] {
  // The golden image is opened first: with it, inspection also compares the ESP's loaders.
  const golden = o.from === undefined ? undefined : analyzeImage(o.from, { qemuImgCheck: false });
  let target: OpenInspection | undefined;
  try {
    target = analyzeImage(disk, { qemuImgCheck: false, golden });
    const problems = problemsOf(target.report);
    if (problems.size === 0) return [];
    const env: RepairEnv = { disk, format: target.facts.format, target, problems, golden, snapshot: () => { throw imageErrors.make('IMAGE_REPAIR_FAILED', 'offeredRepairs does not write'); } };
    const ids = IMAGE_REPAIRS.filter((r) => !r.explicitOnly && r.fixes.some((c) => problems.has(c)) && r.precondition(env).ok).map((r) => r.id);
    const aliases = Object.entries(REPAIR_ALIASES).filter(([, v]) => v.some((id) => ids.includes(id))).map(([k]) => k);
    return [...ids, ...aliases];
  } finally {
    target?.close();
    golden?.close();
  }
}

/** One repair carried out. */
export type RepairAction = Readonly<{ id: RepairId; causes: readonly string[]; reason: string; did: readonly string[] }>;

/** Events a run reports as it goes, so the lead can write them to the ledger. */
export type RepairEvent =
  | Readonly<{ type: 'snapshot'; snapshot: ForensicSnapshot }>
  | Readonly<{ type: 'repair-start'; id: RepairId; reason: string }>
  | Readonly<{ type: 'repair-done'; action: RepairAction }>
  | Readonly<{ type: 'repair-skipped'; id: RepairId; reason: string }>;

/** Options of a repair run. */
export type RepairOptions = Readonly<{
  /** A known-good image of the same guest to copy boot files, grub.cfg or the ESP from. */
  from?: string | undefined;
  /** Where raw-image snapshot copies go (default: beside the image). */
  snapshotDir?: string | undefined;
  /** Only these repairs may run (the healing planner picks one remedy at a time). */
  only?: readonly RepairId[] | undefined;
  /** Called for every step; ledger writes hang here. */
  onEvent?: ((e: RepairEvent) => void) | undefined;
}>;

/** The outcome of a repair run; `ok` is the after-inspection's verdict. */
export type RepairResult = Readonly<{
  ok: boolean;
  before: InspectReport;
  after: InspectReport;
  snapshots: readonly ForensicSnapshot[];
  repairs: readonly RepairAction[];
  /** Problems no repair could address, with the reason each applicable repair gave. */
  unrepaired: readonly { check: string; reasons: readonly string[] }[];
}>;

const problemsOf = (r: InspectReport) => new Set(r.checks.filter((c) => c.status === 'problem').map((c) => c.name));

/**
 * Repairs what inspection finds broken in a disk image while keeping its data: each
 * repair runs at most once, after a forensic snapshot, in layer order (GPT, root fsck,
 * ESP, boot files, grub.cfg, fstab), re-inspecting between steps.
 *
 * @example
 * const r = repairImage('vm.qcow2', { from: 'golden.qcow2' });
 * for (const a of r.repairs) console.log(a.id, a.did.join('; '));
 */
export function repairImage(disk: string, o: RepairOptions = {}): RepairResult {
  // The golden image is opened first: with it, inspection also compares the ESP's loaders (esp.loader-digests).
  const golden = o.from === undefined ? undefined : analyzeImage(o.from, { qemuImgCheck: false });
  let target: OpenInspection;
  try {
    target = analyzeImage(disk, { qemuImgCheck: false, golden });
  } catch (e) {
    golden?.close();
    throw e;
  }
  const before = target.report;
  const snapshots: ForensicSnapshot[] = [];
  const repairs: RepairAction[] = [];
  const tried = new Set<RepairId>();
  const reasons = new Map<string, string[]>();
  try {
    const format = target.facts.format;
    const snapshot = (reason: string) => {
      const s = takeSnapshot(disk, format, reason, { dir: o.snapshotDir });
      snapshots.push(s);
      o.onEvent?.({ type: 'snapshot', snapshot: s });
      return s;
    };
    for (;;) {
      const problems = problemsOf(target.report);
      if (problems.size === 0) break;
      const env: RepairEnv = { disk, format, target, problems, golden, snapshot };
      let chosen: { repair: ImageRepair; pre: Precondition } | undefined;
      for (const repair of IMAGE_REPAIRS) {
        if (tried.has(repair.id) || (o.only !== undefined && !o.only.includes(repair.id))) continue;
        if (repair.explicitOnly && o.only === undefined) continue;
        if (!repair.fixes.some((c) => problems.has(c))) continue;
        const pre = repair.precondition(env);
        if (pre.ok) {
          chosen = { repair, pre };
          break;
        }
        for (const c of repair.fixes.filter((x) => problems.has(x))) reasons.set(c, [...(reasons.get(c) ?? []), `${repair.id}: ${pre.reason}`]);
        o.onEvent?.({ type: 'repair-skipped', id: repair.id, reason: pre.reason });
      }
      if (chosen === undefined) break;
      const { repair, pre } = chosen;
      tried.add(repair.id);
      if (snapshots.length === 0) {
        assertNotInUse(disk, format);
        snapshot('before-repair');
      }
      o.onEvent?.({ type: 'repair-start', id: repair.id, reason: pre.reason });
      let did: string[];
      try {
        did = repair.run(env);
      } catch (e) {
        if (!isBootmedicError(e)) throw e;
        throw imageErrors.make('IMAGE_REPAIR_FAILED', `repair ${repair.id} failed: ${e.message}`, { cause: e, fix: `${e.fix} (forensic snapshot: ${snapshots.map((s) => s.ref).join(', ')})` });
      }
      const action: RepairAction = { id: repair.id, causes: repair.causes, reason: pre.reason, did };
      repairs.push(action);
      o.onEvent?.({ type: 'repair-done', action });
      target.close();
      target = analyzeImage(disk, { qemuImgCheck: false, golden });
    }
  } finally {
    target.close();
    golden?.close();
  }
  const after = target.report;
  const left = problemsOf(after);
  const unrepaired = [...left].map((check) => ({ check, reasons: reasons.get(check) ?? ['no repair addresses this check'] }));
  return { ok: after.ok, before, after, snapshots, repairs, unrepaired };
}
