import { closeSync, readFileSync, writeSync } from 'node:fs';
import { assertNever, openGuarded, parseData, seededRandom } from '../core/index.ts';
import { z } from 'zod';
import type { AppConfig, VmSpec } from '../config/index.ts';
import { CAUSES, getFault, injectFault, type Cause } from '../faults/index.ts';
import { plainSpec, specFrom } from '../recovery/index.ts';
import { drillErrors } from './errors.ts';

// Drill scenarios are data, one file per guest (scenarios.yaml for the tiny guest,
// scenarios-debian.yaml for the Debian UEFI image): single faults and pairs, each with its
// ground truth. This file validates them, draws a seeded list, and injects a scenario
// into a VM (a configuration change, a damaged file or disk, or a simulated guest defect).

const Inject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('catalogue'), fault: z.string() }).strict(),
  z.object({ kind: z.literal('guest'), words: z.string().min(1), when: z.enum(['always', 'first-boot', 'while-no-disk']) }).strict(),
  z.object({ kind: z.literal('disk-header'), bytes: z.number().int().positive() }).strict(),
  z.object({ kind: z.literal('detach-disk'), words: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('set'), set: z.record(z.string(), z.unknown()), needs: z.enum(['kvm-hangs']).optional() }).strict(),
]);
const FaultSchema = z
  .object({ name: z.string().regex(/^[a-z][a-z0-9-]*$/), inject: Inject, cause: z.enum(CAUSES).optional(), recoverable: z.boolean().optional(), quick: z.boolean().default(false) })
  .strict();
const FileSchema = z.object({ faults: z.array(FaultSchema).min(1), combinations: z.array(z.tuple([z.string(), z.string()])).default([]) }).strict();

/** One drill fault with its ground truth resolved. */
export type DrillFault = Readonly<{ name: string; inject: z.infer<typeof Inject>; cause: Cause; recoverable: boolean; quick: boolean }>;
/** A scenario: one fault or a pair, with the truth it is scored against. */
export type Scenario = Readonly<{ index: number; name: string; faults: readonly DrillFault[]; causes: readonly Cause[]; recoverable: boolean }>;

/** The guests drills run: the tiny guest (direct kernel boot) or the Debian UEFI image. */
export type DrillGuest = 'tiny' | 'debian';

const SCENARIO_FILES: Readonly<Record<DrillGuest, string>> = { tiny: 'scenarios.yaml', debian: 'scenarios-debian.yaml' };
const cached = new Map<DrillGuest, { faults: DrillFault[]; combinations: [string, string][] }>();

/** Loads and validates the guest's scenario file under src/drill/ (ground truth of catalogue faults from the catalogue). */
export function loadDrillFaults(guest: DrillGuest = 'tiny'): { faults: DrillFault[]; combinations: [string, string][] } {
  const file = SCENARIO_FILES[guest];
  let got = cached.get(guest);
  if (got === undefined) {
    got = parseDrillFaults(readFileSync(new URL(`./${file}`, import.meta.url), 'utf8'), `src/drill/${file}`);
    cached.set(guest, got);
  }
  return got;
}

/** Validates drill scenario YAML text (`where` names it in errors); causes must be CAUSE_IDS. */
export function parseDrillFaults(text: string, where: string): { faults: DrillFault[]; combinations: [string, string][] } {
  const r = FileSchema.safeParse(parseData(text, { what: where, format: 'yaml', fail: (m) => drillErrors.make('DRILL_BAD_SCENARIOS', m) }));
  if (!r.success) throw drillErrors.make('DRILL_BAD_SCENARIOS', `${where}: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
  const faults = r.data.faults.map((f): DrillFault => {
    if (f.inject.kind === 'catalogue') {
      const c = getFault(f.inject.fault);
      return { name: f.name, inject: f.inject, cause: c.cause, recoverable: c.recoverable, quick: f.quick };
    }
    if (f.cause === undefined || f.recoverable === undefined) throw drillErrors.make('DRILL_BAD_SCENARIOS', `${where}: fault ${f.name} needs cause and recoverable`);
    return { name: f.name, inject: f.inject, cause: f.cause, recoverable: f.recoverable, quick: f.quick };
  });
  for (const pair of r.data.combinations) {
    for (const n of pair) if (!faults.some((f) => f.name === n)) throw drillErrors.make('DRILL_BAD_SCENARIOS', `${where}: combination names unknown fault ${n}`);
  }
  return { faults, combinations: r.data.combinations };
}


/**
 * Draws `n` scenarios: the single faults in a seeded shuffle, one pair after each full
 * round, again and again, so every fault shows up before any repeats.
 */
export function drawScenarios(n: number, seed: number, opts: { quick?: boolean; exclude?: readonly string[]; guest?: DrillGuest } = {}): Scenario[] {
  const { faults, combinations } = loadDrillFaults(opts.guest);
  const ok = (f: DrillFault) => (!opts.quick || f.quick) && !(opts.exclude ?? []).includes(f.name);
  const singles = faults.filter(ok);
  const pairs = combinations.filter((p) => p.every((x) => ok(faults.find((f) => f.name === x)!)));
  const rand = seededRandom(seed);
  const out: Scenario[] = [];
  const add = (fs: DrillFault[]) =>
    out.push({ index: out.length + 1, name: fs.map((f) => f.name).join('+'), faults: fs, causes: [...new Set(fs.map((f) => f.cause))], recoverable: fs.every((f) => f.recoverable) });
  while (out.length < n) {
    const deck = [...singles];
    for (let i = deck.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [deck[i], deck[j]] = [deck[j]!, deck[i]!];
    }
    for (const f of deck) if (out.length < n) add([f]);
    if (out.length < n && pairs.length > 0) add(pairs[Math.floor(rand() * pairs.length)]!.map((x) => faults.find((f) => f.name === x)!));
  }
  return out;
}

/** A faulty VM: its configuration, the simulated guest's words per boot, and notes. */
export type InjectedScenario = { spec: VmSpec; simulate: (spec: VmSpec, bootNo: number) => string | undefined; notes: string[] };

/** Injects every fault of a scenario into `spec` (file damage lands in `workDir`); `copyOf` as for injectFault. */
export async function injectScenario(spec: VmSpec, sc: Scenario, workDir: string, app: AppConfig, o: { copyOf?: DrillGuest } = {}): Promise<InjectedScenario> {
  let cur = spec;
  const notes: string[] = [];
  const guest: ((s: VmSpec, bootNo: number) => string | undefined)[] = [];
  for (const f of sc.faults) {
    const inj = f.inject;
    switch (inj.kind) {
      case 'catalogue': {
        const r = await injectFault(cur, getFault(inj.fault), workDir, app, o);
        cur = r.spec;
        notes.push(`${f.name}: ${r.note}`);
        break;
      }
      case 'guest':
        guest.push((s, n) => (inj.when === 'always' || (inj.when === 'first-boot' && n === 1) || (inj.when === 'while-no-disk' && s.disks.length === 0) ? inj.words : undefined));
        notes.push(`${f.name}: the guest misbehaves (${inj.words}, ${inj.when}; simulated inside the guest)`);
        break;
      case 'disk-header': {
        const disk = cur.disks[0]?.path;
        if (disk === undefined) throw drillErrors.make('DRILL_BAD_SCENARIOS', `fault ${f.name} needs a VM with a disk`);
        const { fd } = openGuarded(disk, { what: 'disk image', kind: 'disk', write: true });
        try {
          writeSync(fd, new Uint8Array(inj.bytes), 0, inj.bytes, 0);
        } finally {
          closeSync(fd);
        }
        notes.push(`${f.name}: zeroed the first ${inj.bytes} bytes of ${disk}`);
        break;
      }
      case 'detach-disk': {
        const obj = plainSpec(cur);
        obj['disks'] = [];
        cur = specFrom(obj, `VM ${cur.name} (${f.name})`);
        guest.push((s) => (s.disks.length === 0 ? inj.words : undefined));
        notes.push(`${f.name}: detached the disk; the guest drops to its initramfs shell without it (${inj.words}, simulated)`);
        break;
      }
      case 'set': {
        const obj = { ...plainSpec(cur), ...inj.set };
        cur = specFrom(obj, `VM ${cur.name} (${f.name})`);
        notes.push(`${f.name}: set ${JSON.stringify(inj.set)}`);
        break;
      }
      default:
        assertNever(inj, 'drill injection');
    }
  }
  const simulate = (s: VmSpec, n: number) => guest.map((g) => g(s, n)).filter((w): w is string => w !== undefined).join(' ') || undefined;
  return { spec: cur, simulate, notes };
}

