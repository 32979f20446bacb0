// Loads the kernel oops rules, validates them, and compiles their patterns once per process.
// linux-oopses.yaml is the source people edit (with its comments and attribution);
// linux-oopses.json is the same document as JSON, written from it by
// scripts/build-kb.ts and checked equal to it by a test. The engine loads the JSON:
// JSON.parse is native, and a process that analyses consoles need not load a YAML parser
// (about 15 MB of resident memory for the parser and one parse of this file).
// The knowledge (formats, skip lists, normalisation) lives in the YAML; this file only
// turns it into RegExp objects. Compilation errors name the offending pattern.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { createLiteralScan } from '../../console/index.ts';
import { kernelReportErrors } from './errors.ts';

const STACK = 'STACK';

const stackSchema = z.strictObject({
  warning: z.boolean().optional(),
  parts: z.array(z.string()).optional(),
  parts2: z.array(z.string()).optional(),
  skip: z.array(z.string()).optional(),
  extractor: z.enum(['stall', 'hang']).optional(),
});

const formatSchema = z.strictObject({
  title: z.string().min(1),
  report: z.string().min(1).optional(),
  fmt: z.string().min(1),
  alt: z.array(z.string()).optional(),
  stack: stackSchema.optional(),
  noStackTrace: z.boolean().optional(),
  corrupted: z.boolean().optional(),
});

const oopsSchema = z.strictObject({
  header: z.string().min(1),
  allowBeforeKernel: z.boolean().optional(),
  userspace: z.boolean().optional(),
  suppressions: z.array(z.string()).optional(),
  // When given, a line starts a report of this family only where the header begins one of
  // these forms (a header that other programs print as free text, e.g. firmware "INFO:").
  forms: z.array(z.string()).optional(),
  formats: z.array(formatSchema).min(1),
});

const rulesSchema = z.strictObject({
  // The JSON copy says where it came from (the YAML's comments do not survive).
  _generated: z.string().optional(),
  version: z.literal(1),
  consolePrefix: z.string(),
  cpuContext: z.string(),
  questionableFrame: z.string(),
  questionableSuffix: z.string(),
  questionableExempt: z.string(),
  templates: z.record(z.string(), z.string()),
  reportStartIgnores: z.array(z.string()),
  infoMessagesWithStack: z.array(z.string()),
  corruptedTitles: z.array(z.string()),
  consoleHangups: z.array(z.string()),
  firmwareLines: z.array(z.string()),
  stack: z.strictObject({
    starts: z.array(z.string()),
    lenientStarts: z.array(z.string()),
    frames: z.array(z.string()),
    skip: z.array(z.string()),
    corruptedLines: z.array(z.string()),
    stripFramePrefixes: z.array(z.string()),
  }),
  extractors: z.strictObject({
    stall: z.strictObject({ anchors: z.array(z.string()), selfNamed: z.array(z.string()) }),
    hang: z.strictObject({
      anchors: z.array(z.strictObject({ contains: z.string(), name: z.string() })),
      skip: z.array(z.string()),
    }),
  }),
  warningStack: z.strictObject({ parts: z.array(z.string()), parts2: z.array(z.string()) }),
  reportText: z.strictObject({
    dropLines: z.array(z.string()), allCpusFrom: z.array(z.string()), cutAt: z.array(z.string()), stackNotAvailable: z.string(),
  }),
  limits: z.strictObject({ reportLines: z.number().int().positive(), lineChars: z.number().int().positive(), titleCandidates: z.number().int().positive() }),
  reportMinLines: z.strictObject({
    default: z.number().int().positive(),
    byHeader: z.array(z.strictObject({ contains: z.string(), lines: z.number().int().positive() })),
  }),
  oopses: z.array(oopsSchema).min(1),
  titleReplacements: z.array(z.strictObject({ match: z.string(), with: z.string() })),
  maxTitleBytes: z.number().int().positive(),
  titleTypes: z.array(z.strictObject({ prefix: z.string(), type: z.string() })),
});

/** The raw, validated rule file. */
export type RuleFile = z.infer<typeof rulesSchema>;

/** A stack part: a pattern to find (its captures become frames) or "parse a stack here". */
export type StackPart = RegExp | 'stack';

/** One compiled stack recipe of a format. */
export type CompiledStack = { parts: StackPart[]; parts2: StackPart[]; skip: RegExp | undefined; extractor: 'stall' | 'hang' | undefined };

/** One compiled title format of an oops. */
export type CompiledFormat = {
  title: RegExp; report: RegExp | undefined; fmt: string; alt: string[];
  stack: CompiledStack | undefined; noStackTrace: boolean; corrupted: boolean;
};

/** One compiled oops family: its header substring, suppressions, accepted forms (sticky; none: any) and formats. */
export type CompiledOops = { header: string; allowBeforeKernel: boolean; userspace: boolean; suppressions: RegExp[]; forms: RegExp[]; formats: CompiledFormat[] };

/** Everything the parser needs, compiled. */
export type CompiledRules = {
  consolePrefix: RegExp; cpuContext: RegExp; questionableFrame: RegExp;
  questionableSuffix: string; questionableExempt: string;
  reportStartIgnores: RegExp[]; infoMessagesWithStack: string[]; corruptedTitles: RegExp[]; consoleHangups: string[]; firmwareLines: RegExp[];
  stackStarts: RegExp[]; lenientStackStarts: ReadonlySet<RegExp>; frameRes: RegExp[]; corruptedLines: RegExp[]; stripFramePrefixes: string[];
  stallAnchors: RegExp[]; stallSelfNamed: string[];
  hangAnchors: { contains: string; name: string }[]; hangSkip: string[];
  reportMinLines: RuleFile['reportMinLines'];
  limits: RuleFile['limits'];
  reportText: RuleFile['reportText'];
  oopses: CompiledOops[];
  /**
   * True when a line holds any oops header (a cheap pre-filter before the per-family
   * checks), without a regular expression (a long alternation of literals is slow in V8).
   */
  hasHeader: (line: string) => boolean;
  titleReplacements: { match: RegExp; with: string }[];
  maxTitleBytes: number;
  titleTypes: { prefix: string; type: string }[];
};

const RULES_URL = new URL('./linux-oopses.json', import.meta.url);

/** YAML's parser, loaded only when rules arrive as YAML text. */
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
}

function expand(src: string, templates: Record<string, string>): string {
  // Templates may refer to other templates ({{RIP}} uses {{PC}}); a few rounds settle them.
  let out = src;
  for (let round = 0; round < 4 && out.includes('{{'); round++) {
    out = out.replace(/\{\{([A-Z]+)\}\}/g, (whole, name: string) => templates[name] ?? whole);
  }
  return out;
}

/**
 * Compiles rule text into RegExps; throws SIGNATURES_KREPORT_BAD_RULES naming the bad
 * entry. The text is YAML (as in linux-oopses.yaml), or JSON when `where` ends in ".json".
 */
export function compileRules(text: string, where = 'linux-oopses.yaml'): CompiledRules {
  let raw: unknown;
  const json = where.endsWith('.json');
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw kernelReportErrors.make('SIGNATURES_KREPORT_BAD_RULES', `${where}: not valid ${json ? 'JSON' : 'YAML'}: ${(e as Error).message}`, { cause: e });
  }
  const parsed = rulesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw kernelReportErrors.make('SIGNATURES_KREPORT_BAD_RULES', `${where}: ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const r = parsed.data;
  const re = (src: string, at: string, flags = ''): RegExp => {
    // A leading "(?i)" (Go/RE2 syntax for case-insensitive) becomes the JavaScript 'i' flag.
    const insensitive = src.startsWith('(?i)');
    try {
      return new RegExp(expand(insensitive ? src.slice(4) : src, r.templates), insensitive ? flags + 'i' : flags);
    } catch (e) {
      throw kernelReportErrors.make('SIGNATURES_KREPORT_BAD_RULES', `${where}: ${at}: bad pattern ${JSON.stringify(src)}: ${(e as Error).message}`);
    }
  };
  // Title and report patterns are tried only where the family header occurs (describe.ts),
  // so each must begin with that header, literally; they are compiled sticky for that.
  const headed = (src: string, header: string, at: string): RegExp => {
    const body = src.startsWith('^') ? src.slice(1) : src;
    if (!body.startsWith(header.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) && !body.startsWith(header)) {
      throw kernelReportErrors.make('SIGNATURES_KREPORT_BAD_RULES', `${where}: ${at}: pattern ${JSON.stringify(src)} must start with its header ${JSON.stringify(header)}`);
    }
    return re(src, at, 'y');
  };
  const part = (src: string, at: string): StackPart => (src === STACK ? 'stack' : re(src, at));
  const compileStack = (s: z.infer<typeof stackSchema>, at: string): CompiledStack => {
    const parts = s.warning === true ? r.warningStack.parts : (s.parts ?? []);
    const parts2 = s.warning === true ? r.warningStack.parts2 : (s.parts2 ?? []);
    const skip = [...r.stack.skip, ...(s.skip ?? [])];
    return {
      parts: parts.map((p, i) => part(p, `${at}.parts[${i}]`)),
      parts2: parts2.map((p, i) => part(p, `${at}.parts2[${i}]`)),
      skip: skip.length === 0 ? undefined : re(skip.join('|'), `${at}.skip`),
      extractor: s.extractor,
    };
  };
  const lenient = r.stack.lenientStarts.map((s, i) => re(s, `stack.lenientStarts[${i}]`));
  return {
    consolePrefix: re(r.consolePrefix, 'consolePrefix'),
    cpuContext: re(r.cpuContext, 'cpuContext'),
    questionableFrame: re(r.questionableFrame, 'questionableFrame'),
    questionableSuffix: r.questionableSuffix,
    questionableExempt: r.questionableExempt,
    reportStartIgnores: r.reportStartIgnores.map((s, i) => re(s, `reportStartIgnores[${i}]`)),
    infoMessagesWithStack: r.infoMessagesWithStack,
    corruptedTitles: r.corruptedTitles.map((s, i) => re(s, `corruptedTitles[${i}]`)),
    consoleHangups: r.consoleHangups,
    firmwareLines: r.firmwareLines.map((s, i) => re(s, `firmwareLines[${i}]`)),
    stackStarts: [...r.stack.starts.map((s, i) => re(s, `stack.starts[${i}]`)), ...lenient],
    lenientStackStarts: new Set(lenient),
    frameRes: r.stack.frames.map((s, i) => re(s, `stack.frames[${i}]`)),
    corruptedLines: r.stack.corruptedLines.map((s, i) => re(s, `stack.corruptedLines[${i}]`)),
    stripFramePrefixes: r.stack.stripFramePrefixes,
    stallAnchors: r.extractors.stall.anchors.map((s, i) => re(s, `extractors.stall.anchors[${i}]`)),
    stallSelfNamed: r.extractors.stall.selfNamed,
    hangAnchors: r.extractors.hang.anchors,
    hangSkip: r.extractors.hang.skip,
    reportMinLines: r.reportMinLines,
    limits: r.limits,
    reportText: r.reportText,
    oopses: r.oopses.map((o, i) => ({
      header: o.header,
      allowBeforeKernel: o.allowBeforeKernel ?? false,
      userspace: o.userspace ?? false,
      suppressions: (o.suppressions ?? []).map((s, j) => re(s, `oopses[${i}].suppressions[${j}]`)),
      forms: (o.forms ?? []).map((s, j) => headed(s, o.header, `oopses[${i}].forms[${j}]`)),
      formats: o.formats.map((f, j) => {
        const at = `oopses[${i}].formats[${j}]`;
        return {
          title: headed(f.title, o.header, `${at}.title`),
          report: f.report === undefined ? undefined : headed(f.report, o.header, `${at}.report`),
          fmt: f.fmt,
          alt: f.alt ?? [],
          stack: f.stack === undefined ? undefined : compileStack(f.stack, `${at}.stack`),
          noStackTrace: f.noStackTrace ?? false,
          corrupted: f.corrupted ?? false,
        };
      }),
    })),
    hasHeader: createLiteralScan(r.oopses.map((o) => o.header)),
    titleReplacements: r.titleReplacements.map((t, i) => ({ match: re(t.match, `titleReplacements[${i}]`, 'g'), with: t.with })),
    maxTitleBytes: r.maxTitleBytes,
    titleTypes: r.titleTypes,
  };
}

let cached: CompiledRules | undefined;

/** The shipped rules, loaded and compiled on first use. */
export function linuxRules(): CompiledRules {
  if (cached === undefined) {
    const path = fileURLToPath(RULES_URL);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw kernelReportErrors.make('SIGNATURES_KREPORT_BAD_RULES', `${path}: cannot read the rule file: ${(e as Error).message}`, { cause: e });
    }
    cached = compileRules(text, path);
  }
  return cached;
}

/**
 * The JSON copy of YAML rule text, as linux-oopses.json holds it: the document itself,
 * with a note of where it came from and under which license (the YAML's comments carry
 * the attribution; JSON has no comments).
 */
export function oopsRulesAsJson(yamlText: string): string {
  const doc = parseYaml(yamlText) as Record<string, unknown>;
  const note = 'Generated from linux-oopses.yaml by scripts/build-kb.ts; edit that file. Knowledge source: syzkaller\'s Linux reporter (https://github.com/google/syzkaller), Copyright syzkaller project authors, Apache License 2.0.';
  return `${JSON.stringify({ _generated: note, ...doc }, null, 1)}\n`;
}
