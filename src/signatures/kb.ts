// Loads and validates the knowledge base (src/signatures/kb/*.json). Adding a pattern
// means adding a JSON entry; this file only checks that entries are well-formed and
// that their regular expressions are safe to run on hostile console output.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { signaturesErrors } from './errors.ts';
import { phaseRank } from '../core/index.ts';
import { BOOT_PHASES, COMPONENTS, LAYERS, SEVERITIES } from './types.ts';

// A group with a quantifier inside that is itself repeated ("(a+)+", "(\w*x)*") is the
// shape that makes a backtracking engine exponential; patterns must use bounded repeats.
const NESTED_QUANTIFIER = /\((?:[^()\\]|\\.)*(?:[+*]|\{\d*,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d*,\d*\})/;
const UNBOUNDED = /(?<!\\)[+*]/;

const patternSchema = z.string().min(1).superRefine((src, ctx) => {
  try {
    new RegExp(src);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(e as Error).message}` });
    return;
  }
  if (NESTED_QUANTIFIER.test(src)) ctx.addIssue({ code: 'custom', message: 'nested quantifier (catastrophic backtracking risk); use bounded repeats' });
  if (UNBOUNDED.test(src.replace(/\[(?:[^\]\\]|\\.)*\]/g, ''))) ctx.addIssue({ code: 'custom', message: 'unbounded repeat (+ or *); use {m,n}' });
});

const at = z.enum(['start', 'token', 'any', 'end']).default('start');
const where = z.enum(['line', 'partial', 'both']).default('line');

const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,80}$/),
  family: z.string().min(1),
  anchor: z.string().min(4),
  at,
  kernelMessage: z.boolean().default(false),
  pattern: patternSchema.optional(),
  where,
  title: z.string().min(1),
  component: z.enum(COMPONENTS),
  layer: z.enum(LAYERS),
  severity: z.enum(SEVERITIES),
  stopsBoot: z.boolean(),
  phase: z.enum(BOOT_PHASES).optional(),
  // The boot can go on past this message (a firmware trying its next boot option, an
  // initramfs falling back to another init): once the boot reaches `reaches`, the finding
  // is reported with `severity` instead. Until then the engine holds it back.
  recovery: z.strictObject({ reaches: z.enum(BOOT_PHASES), severity: z.enum(['info', 'warning']) }).optional(),
  stopCode: z.strictObject({
    code: z.number().int().min(1),
    params: z.array(z.number().int().min(1)).max(4).optional(),
    // Parameters printed on the following lines (vmware.log: one MSR per line): group 1 of
    // `pattern` is the parameter's position (1-4), group 2 its value.
    paramLines: z.strictObject({ pattern: patternSchema, lines: z.number().int().min(1).max(8) }).optional(),
  }).optional(),
  description: z.string().min(10),
  source: z.string().min(3),
});

const markerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,80}$/),
  marks: z.enum(BOOT_PHASES),
  anchor: z.string().min(3),
  at,
  pattern: patternSchema.optional(),
  where,
  description: z.string().min(5),
  source: z.string().min(3),
});

const headerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,80}$/),
  family: z.string().min(1),
  anchor: z.string().min(4),
  pattern: patternSchema.optional(),
  kind: z.enum(['panic', 'report']),
  component: z.enum(COMPONENTS),
  layer: z.enum(LAYERS),
  severity: z.enum(SEVERITIES),
  stopsBoot: z.boolean(),
  description: z.string().min(5),
  source: z.string().min(3),
});

// The start-of-message lookup keys on an anchor's first four characters.
const startNeedsFour = (r: { anchor: string; at: string }) => (r.at !== 'start' && r.at !== 'token') || (r.anchor.length >= 4 && !/^\s/.test(r.anchor));
const SEVERITY_RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i])) as Record<(typeof SEVERITIES)[number], number>;
// A recovery lowers a finding that does not stop the boot, on a phase after the message's own.
const recoveryFits = (r: z.infer<typeof ruleSchema>) => r.recovery === undefined
  || (!r.stopsBoot && SEVERITY_RANK[r.recovery.severity] < SEVERITY_RANK[r.severity] && (r.phase === undefined || phaseRank(r.recovery.reaches) > phaseRank(r.phase)));
const bootChainFile = z.object({
  _meta: z.unknown(),
  rules: z.array(ruleSchema
    .refine(startNeedsFour, 'a start or token anchor needs at least 4 characters and no leading blank')
    .refine(recoveryFits, 'recovery needs stopsBoot false, a lower severity than the rule\'s, and a phase after the rule\'s phase')).min(1),
});
// The component and layer of a finding about a phase itself (entering it, a boot stopped during it).
const phaseSchema = z.strictObject({ component: z.enum(COMPONENTS), layer: z.enum(LAYERS) });
const progressFile = z.object({ _meta: z.unknown(), phases: z.record(z.enum(BOOT_PHASES), phaseSchema), markers: z.array(markerSchema.refine(startNeedsFour, 'a start or token anchor needs at least 4 characters and no leading blank')).min(1) });
const kernelCrashFile = z.object({
  _meta: z.unknown(),
  headers: z.array(headerSchema).min(1),
  fallback: headerSchema.omit({ anchor: true, pattern: true }),
  endMarkers: z.array(z.string().min(3)),
  windowLines: z.number().int().min(8).max(1000),
  linesBefore: z.number().int().min(0).max(64),
});
const bugcheckFile = z.object({
  _meta: z.object({ source: z.string(), licenses: z.record(z.string(), z.string()) }).passthrough(),
  codes: z.record(z.string().regex(/^0x[0-9A-F]{8}$/), z.string().regex(/^[A-Z0-9_]+$/)),
  aliases: z.record(z.string(), z.array(z.string())),
  code_sources: z.record(z.string(), z.array(z.string())),
});

export type Rule = z.infer<typeof ruleSchema>;
export type Marker = z.infer<typeof markerSchema>;
/** For each boot phase, the component and layer of findings about the phase itself. */
export type PhaseTable = z.infer<typeof progressFile>['phases'];
export type CrashHeader = z.infer<typeof headerSchema>;
export type KernelCrashKb = z.infer<typeof kernelCrashFile>;
export type BugcheckTable = z.infer<typeof bugcheckFile>;
/** The whole knowledge base, validated. */
export type Kb = { rules: Rule[]; markers: Marker[]; phases: PhaseTable; kernel: KernelCrashKb; bugchecks: BugcheckTable };

function load<T>(dir: URL, name: string, schema: z.ZodType<T>): T {
  const url = new URL(name, dir);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(url, 'utf8'));
  } catch (cause) {
    throw signaturesErrors.make('SIGNATURES_KB_INVALID', `knowledge base ${url.pathname}: ${(cause as Error).message}`, { cause });
  }
  const r = schema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw signaturesErrors.make('SIGNATURES_KB_INVALID', `knowledge base ${url.pathname}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}

function checkUnique(ids: string[], what: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw signaturesErrors.make('SIGNATURES_KB_INVALID', `knowledge base ${what}: duplicate id ${id}`);
    seen.add(id);
  }
}

/** Loads and validates the knowledge base from a directory (default: the shipped kb/). */
export function loadKb(dir: URL = new URL('./kb/', import.meta.url)): Kb {
  const rules = load(dir, 'boot-chain.json', bootChainFile).rules;
  const { markers, phases } = load(dir, 'progress.json', progressFile);
  const kernel = load(dir, 'kernel-crash.json', kernelCrashFile);
  const bugchecks = load(dir, 'windows-bugchecks.json', bugcheckFile);
  checkUnique([...rules.map((r) => r.id), ...kernel.headers.map((h) => h.id), kernel.fallback.id], 'rules');
  checkUnique(markers.map((m) => m.id), 'progress.json');
  return { rules, markers, phases, kernel, bugchecks };
}

let cached: Kb | undefined;
/** The shipped knowledge base, loaded once per process. */
export function defaultKb(): Kb {
  cached ??= loadKb();
  return cached;
}
