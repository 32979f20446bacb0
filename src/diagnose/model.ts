import { fileURLToPath } from 'node:url';
import { loadDataFile } from '../core/index.ts';
import { z } from 'zod';
import { CAUSE_IDS, type CauseId } from '../core/index.ts';
import { diagnoseErrors } from './errors.ts';
import { checkModelVariables } from './observe.ts';

// The model is data (src/diagnose/data/model.yaml): priors over causes, one conditional
// probability table per discretised evidence variable, and "classes" of findings and
// QEMU stderr lines whose presence is evidence. This file only validates and compiles it
// into arrays indexed like CAUSE_IDS, so inference is a few multiplications.

const Prob = z.number().gt(0).lte(1);
const Row = z.record(z.string(), Prob);

const VariableSchema = z
  .object({
    title: z.string(),
    states: z.array(z.string()).min(2),
    /** P(state | cause) for causes without their own row. */
    default: Row,
    given: z.record(z.string(), Row).default({}),
  })
  .strict();

const MatchSchema = z
  .object({
    /** Selectors (any may hit): a regular expression on the finding id; finding families; */
    id: z.string().optional(),
    family: z.array(z.string()).optional(),
    /** a case-insensitive regular expression on the title and evidence lines (or the stderr line). */
    text: z.string().optional(),
    /** Constraints (all must hold). */
    severity: z.array(z.enum(['info', 'warning', 'error', 'fatal'])).optional(),
    component: z.array(z.string()).optional(),
  })
  .strict();

const ClassSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string(),
    match: MatchSchema,
    /** P(at least one such message | cause); `default` for causes not listed. */
    present: z.object({ default: Prob }).catchall(Prob),
  })
  .strict();

const ModelSchema = z
  .object({
    version: z.literal(1),
    /** Probability for a state a row leaves out, before the row is normalised. */
    floor: Prob,
    causes: z.record(z.string(), z.object({ prior: Prob, title: z.string() }).strict()),
    thresholds: z
      .object({
        resetLoop: z.number().int().min(2),
        memoryTinyMiB: z.number().positive(),
        memorySmallMiB: z.number().positive(),
        hostMemLowMiB: z.number().nonnegative(),
        hostLoadPerCpu: z.number().positive(),
        hostDiskLowMiB: z.number().nonnegative(),
        historyMany: z.number().int().min(1),
      })
      .strict(),
    variables: z.record(z.string(), VariableSchema),
    findingClasses: z.array(ClassSchema),
    stderrClasses: z.array(ClassSchema),
  })
  .strict();

type RawModel = z.infer<typeof ModelSchema>;

/** A compiled evidence class: a matcher and P(present | cause) per cause index. */
export type CompiledClass = Readonly<{
  name: string;
  title: string;
  id: RegExp | undefined;
  text: RegExp | undefined;
  family: readonly string[] | undefined;
  severity: readonly string[] | undefined;
  component: readonly string[] | undefined;
  present: readonly number[];
}>;

/** A compiled categorical variable: P(state | cause) per state, per cause index. */
export type CompiledVariable = Readonly<{ id: string; title: string; states: readonly string[]; table: ReadonlyMap<string, readonly number[]> }>;

/** The validated, compiled diagnosis model. */
export type Model = Readonly<{
  causes: readonly { id: CauseId; title: string }[];
  prior: readonly number[];
  thresholds: RawModel['thresholds'];
  variables: ReadonlyMap<string, CompiledVariable>;
  findingClasses: readonly CompiledClass[];
  stderrClasses: readonly CompiledClass[];
  source: string;
}>;

const bad = (where: string, msg: string) => diagnoseErrors.make('DIAGNOSE_BAD_MODEL', `${where}: ${msg}`);

function compileClass(c: RawModel['findingClasses'][number], where: string): CompiledClass {
  const { default: def, ...given } = c.present;
  for (const k of Object.keys(given)) if (!(CAUSE_IDS as readonly string[]).includes(k)) throw bad(where, `class ${c.id}: unknown cause "${k}" (known: ${CAUSE_IDS.join(', ')})`);
  const re = (src: string | undefined, flags: string) => {
    if (src === undefined) return undefined;
    try {
      return new RegExp(src, flags);
    } catch (e) {
      throw bad(where, `class ${c.id}: bad regular expression: ${(e as Error).message}`);
    }
  };
  const text = re(c.match.text, 'i');
  const id = re(c.match.id, '');
  if (text === undefined && id === undefined && c.match.family === undefined) throw bad(where, `class ${c.id}: match needs id, family or text`);
  return Object.freeze({
    name: c.id,
    title: c.title,
    id,
    text,
    family: c.match.family,
    severity: c.match.severity,
    component: c.match.component,
    present: CAUSE_IDS.map((id) => (given as Record<string, number>)[id] ?? def),
  });
}

function compileVariable(id: string, v: z.infer<typeof VariableSchema>, floor: number, where: string): CompiledVariable {
  const rowFor = (row: Record<string, number>, label: string): number[] => {
    for (const s of Object.keys(row)) if (!v.states.includes(s)) throw bad(where, `variables.${id}.${label}: unknown state "${s}" (states: ${v.states.join(', ')})`);
    const raw = v.states.map((s) => row[s] ?? floor);
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((p) => p / sum);
  };
  for (const k of Object.keys(v.given)) if (!(CAUSE_IDS as readonly string[]).includes(k)) throw bad(where, `variables.${id}.given: unknown cause "${k}"`);
  const def = rowFor(v.default, 'default');
  const rows = CAUSE_IDS.map((c) => (v.given[c] !== undefined ? rowFor(v.given[c], `given.${c}`) : def));
  const table = new Map(v.states.map((s, i) => [s, rows.map((r) => r[i]!)] as const));
  return Object.freeze({ id, title: v.title, states: v.states, table });
}

/** Validates and compiles a model object; throws DIAGNOSE_BAD_MODEL naming the field. */
export function compileModel(input: unknown, where: string): Model {
  const r = ModelSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw bad(where, `${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  const m = r.data;
  for (const c of CAUSE_IDS) if (m.causes[c] === undefined) throw bad(where, `causes: cause "${c}" has no prior`);
  for (const k of Object.keys(m.causes)) if (!(CAUSE_IDS as readonly string[]).includes(k)) throw bad(where, `causes: unknown cause "${k}" (known: ${CAUSE_IDS.join(', ')})`);
  const priorRaw = CAUSE_IDS.map((c) => m.causes[c]!.prior);
  const total = priorRaw.reduce((a, b) => a + b, 0);
  const variables = new Map(Object.entries(m.variables).map(([id, v]) => [id, compileVariable(id, v, m.floor, where)] as const));
  const model: Model = Object.freeze({
    causes: CAUSE_IDS.map((id) => ({ id, title: m.causes[id]!.title })),
    prior: priorRaw.map((p) => p / total),
    thresholds: m.thresholds,
    variables,
    findingClasses: m.findingClasses.map((c) => compileClass(c, where)),
    stderrClasses: m.stderrClasses.map((c) => compileClass(c, where)),
    source: where,
  });
  checkModelVariables(model);
  return model;
}

/** Loads a model YAML/JSON file; throws DIAGNOSE_BAD_MODEL with the file name and the bad field. */
export function loadModel(path: string): Model {
  const raw = loadDataFile(path, {
    what: 'diagnosis model',
    missing: (m) => diagnoseErrors.make('DIAGNOSE_BAD_MODEL', m),
    fail: (m) => diagnoseErrors.make('DIAGNOSE_BAD_MODEL', m),
  });
  return compileModel(raw, path);
}

/** Path of the model that ships with bootmedic. */
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL('./data/model.yaml', import.meta.url));

let cached: Model | undefined;
/** The shipped model, loaded once. */
export function defaultModel(): Model {
  cached ??= loadModel(DEFAULT_MODEL_PATH);
  return cached;
}
