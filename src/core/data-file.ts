// The one loader for YAML and JSON that a user (or a data file) gives bootmedic: it bounds
// the file's size, the document's nesting and YAML's aliases, and reports every failure
// through the caller's own error code, so a hostile file is a config error, not a crash.
import { createRequire } from 'node:module';
import type { BootmedicError } from './errors.ts';
import { readGuardedText, type GuardOptions } from './guarded-file.ts';
import { LIMIT } from './limits.ts';

/** How a document is read and how its failures are reported. */
export type DataOptions = Readonly<{
  /** What the text is, for messages: 'VM file /x/vm.yaml'. */
  what: string;
  /** JSON is parsed natively; YAML loads the yaml package on first use. */
  format: 'yaml' | 'json';
  /** Builds the caller's error (e.g. CONFIG_VM_BAD_YAML) for text that is not a bounded document. */
  fail: (message: string) => BootmedicError;
  maxDepth?: number;
}>;

type YamlModule = typeof import('yaml');
let yaml: YamlModule | undefined;

/** Throws when `value` nests deeper than `max` (iterative, so a deep value cannot overflow the stack here). */
function checkDepth(value: unknown, max: number, o: DataOptions): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d >= max) throw o.fail(`${o.what}: nested more than ${max} levels deep`);
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
}

function parseYamlText(text: string, o: DataOptions): unknown {
  yaml ??= createRequire(import.meta.url)('yaml') as YamlModule;
  let doc;
  try {
    doc = yaml.parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    // The parser recurses per nesting level: a very deep document overflows its stack.
    throw o.fail(`${o.what}: cannot be parsed (${e instanceof RangeError ? 'nested too deep' : (e as Error).message})`);
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    // The parser reports its own stack overflow on very deep nesting as a document error.
    if (/call stack/i.test(e.message)) throw o.fail(`${o.what}: nested more than ${o.maxDepth ?? LIMIT.DATA_MAX_DEPTH} levels deep`);
    const at = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw o.fail(`${o.what}${at}: ${e.message.split('\n')[0]}`);
  }
  try {
    return doc.toJS({ maxAliasCount: LIMIT.DATA_MAX_ALIASES });
  } catch (e) {
    if (e instanceof ReferenceError && /alias/i.test(e.message)) throw o.fail(`${o.what}: its aliases (*name) expand too far (more than ${LIMIT.DATA_MAX_ALIASES} uses); write the values out`);
    throw o.fail(`${o.what}: cannot be read as data (${e instanceof RangeError ? 'nested too deep' : (e as Error).message})`);
  }
}

/**
 * Parses YAML or JSON text into plain data, bounded in depth and (for YAML) in aliases.
 * Every failure is `o.fail(message)` naming the text and what is wrong.
 *
 * @example
 * const raw = parseData(text, { what: `VM file ${path}`, format: 'yaml', fail: (m) => configErrors.make('CONFIG_VM_BAD_YAML', m) });
 */
export function parseData(text: string, o: DataOptions): unknown {
  let value: unknown;
  if (o.format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw o.fail(`${o.what}: not valid JSON: ${(e as Error).message}`);
    }
  } else {
    value = parseYamlText(text, o);
  }
  checkDepth(value, o.maxDepth ?? LIMIT.DATA_MAX_DEPTH, o);
  return value;
}

/**
 * Reads a YAML or JSON file through the guarded open (a regular file, at most `maxBytes`,
 * DATA_FILE_MAX_BYTES by default) and parses it with parseData. `what` names the kind of
 * file ('VM file'); the format follows the file name (.json is JSON, anything else YAML).
 */
export function loadDataFile(
  path: string,
  o: Omit<DataOptions, 'format' | 'what'> & { what: string; format?: 'yaml' | 'json'; maxBytes?: number; missing?: GuardOptions['missing'] },
): unknown {
  const text = readGuardedText(path, { what: o.what, maxBytes: o.maxBytes ?? LIMIT.DATA_FILE_MAX_BYTES, ...(o.missing ? { missing: o.missing } : {}) });
  const format = o.format ?? (path.endsWith('.json') ? 'json' : 'yaml');
  return parseData(text, { what: `${o.what} ${path}`, format, fail: o.fail, ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}) });
}
