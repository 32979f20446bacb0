// Every part is entered through its index.ts (STYLE.md "Layout"): a source scan of the
// imports in src/, testkit/, test/, bench/, scripts/ and bin/. A relative import that
// leaves its own part folder must name `<part>/index.ts`; the exceptions are listed below,
// each with its reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Imports allowed to reach inside another part: `from -> to` (repository paths), with why. */
const FUZZ = "fuzz targets are test code kept beside the parser they drive, and reach its internals on purpose; the parts' doors do not export them";
const EXCEPTIONS: Readonly<Record<string, string>> = {
  'testkit/fuzz-targets.ts -> src/image/fuzz-disk-targets.ts': FUZZ,
  'testkit/fuzz-targets.ts -> src/image/fuzz-file-targets.ts': FUZZ,
  'testkit/fuzz-targets.ts -> src/config/fuzz-targets.ts': FUZZ,
  'testkit/fuzz-targets.ts -> src/console/fuzz-targets.ts': FUZZ,
  'testkit/fuzz-targets.ts -> src/hypervisor/qemu/fuzz-targets.ts': FUZZ,
  'bench/fuzz.ts -> testkit/fuzz-targets.ts': 'the list of every fuzz target is kept out of the testkit door: its targets import the kit, so exporting it there would make an import cycle',
  'test/exit-codes.test.ts -> scripts/error-catalogue.ts': 'scripts/ are programs, not a part with a door; this test reads the error catalogue through the same collector as the docs generator',
  'test/error-catalogue.test.ts -> scripts/error-catalogue.ts': 'scripts/ are programs, not a part with a door; this test checks the generator of docs/errors.md itself',
};

/** The part a repository path belongs to: `src/<name>` under src/, else its top folder (test, testkit, bench, scripts, bin). */
function partOf(path: string): string {
  const seg = path.split('/');
  return seg[0] === 'src' && seg.length > 2 ? `src/${seg[1]}` : seg[0]!;
}

/** Module specifiers of static imports and re-exports, side-effect imports and literal dynamic imports. */
export function specifiersOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
    out.push((m[1] ?? m[2] ?? m[3])!);
  }
  return out;
}

/** The `from -> to` pairs of `file` (repository path) that enter another part other than through its index.ts. */
export function doorViolations(file: string, source: string): string[] {
  const out: string[] = [];
  for (const spec of specifiersOf(source)) {
    if (!spec.startsWith('.')) continue;
    const target = normalize(join(dirname(file), spec));
    const part = partOf(target);
    if (part === partOf(file) || target === `${part}/index.ts`) continue;
    out.push(`${file} -> ${target}`);
  }
  return out;
}

test('the scan sees each import form and flags only imports that skip a door', () => {
  // Quotes written as ^ so that the scan of this very file does not see these lines as imports.
  const src = [
    'import { a } from ^../console/line-splitter.ts^;',
    'import type { B } from ^../console/index.ts^;',
    'export { c } from ^./local.ts^;',
    'import ^../signatures/kernel-report/index.ts^;',
    'const m = await import(^../../testkit/fake-qmp.ts^);',
    'export {\n  d,\n} from ^../boot/phases.ts^;',
    'import { e } from ^node:fs^;',
  ].join('\n').replaceAll('^', "'");
  assert.deepEqual(doorViolations('src/supervisor/x.ts', src), [
    'src/supervisor/x.ts -> src/console/line-splitter.ts',
    'src/supervisor/x.ts -> src/signatures/kernel-report/index.ts',
    'src/supervisor/x.ts -> testkit/fake-qmp.ts',
    'src/supervisor/x.ts -> src/boot/phases.ts',
  ]);
});

test('every import that leaves its part goes through the other part’s index.ts', () => {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', 'src', 'testkit', 'test', 'bench', 'scripts', 'bin'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(ts|js|mjs)$/.test(f) && existsSync(join(root, f)));
  assert.ok(files.length > 100, `the scan found the sources (${files.length} files)`);
  const found = files.flatMap((f) => doorViolations(f, readFileSync(join(root, f), 'utf8')));
  const unexplained = found.filter((v) => EXCEPTIONS[v] === undefined);
  assert.deepEqual(unexplained, [], 'import these through the part’s index.ts (export what is needed there), or list the exception with its reason');
  const stale = Object.keys(EXCEPTIONS).filter((e) => !found.includes(e));
  assert.deepEqual(stale, [], 'exceptions that no longer occur: remove them');
});
