// Collects every part's error catalogue (src/*/errors.ts and nested errors.ts files) so
// docs/errors.md can be generated from the code and checked against it.
import { globSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { LIMIT, LIMIT_DOCS, type ErrorCatalogue, type ExitClass } from '../src/core/index.ts';
import { exitCodeOfClass } from '../src/cli/index.ts';

export type CatalogueRow = { code: string; part: string; cause: string; fix: string; exit: ExitClass; file: string };

function isCatalogue(x: unknown): x is ErrorCatalogue {
  return typeof x === 'object' && x !== null && typeof (x as ErrorCatalogue).part === 'string' && typeof (x as ErrorCatalogue).codes === 'object';
}

/** Every error code declared in the source tree, with the file that declares it. */
export async function collectErrorCodes(root: string): Promise<CatalogueRow[]> {
  const rows: CatalogueRow[] = [];
  for (const file of globSync('src/**/errors.ts', { cwd: root }).sort()) {
    const mod = (await import(pathToFileURL(resolve(root, file)).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      const cat = (value as { catalogue?: unknown })?.catalogue;
      if (!isCatalogue(cat)) continue;
      for (const [code, spec] of Object.entries(cat.codes)) rows.push({ code, part: cat.part, cause: spec.cause, fix: spec.fix, exit: spec.exit, file });
    }
  }
  return rows;
}

/** docs/errors.md as text. */
export function renderErrorsDoc(rows: readonly CatalogueRow[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const parts = [...new Set(rows.map((r) => r.part))].sort();
  const out = [
    '# Error codes',
    '',
    'Every error bootmedic reports has a stable code. A code is never reused for another meaning.',
    'The CLI prints the message (which names the thing that is wrong) and the fix, and exits',
    'non-zero without a stack trace. This page is generated from the `errors.ts` catalogues by',
    '`node scripts/gen-errors-doc.ts`; a test fails when it is out of date.',
    '',
    'Each code carries its exit class, which decides the exit code: 64 usage, 65 input (bad',
    'input: a config, file, image, log or ledger, or a missing file), 69 unavailable (QEMU, KVM,',
    'OVMF, a host tool or the store is missing or broken), 75 busy (another bootmedic holds what',
    'this one needs), 130 interrupted. Anything else that ends a command is a bug and exits 70.',
    '',
  ];
  for (const part of parts) {
    out.push(`## ${part}`, '', '| code | exit | cause | fix |', '| --- | --- | --- | --- |');
    for (const r of rows.filter((x) => x.part === part).sort((a, b) => a.code.localeCompare(b.code))) out.push(`| \`${r.code}\` | ${exitCodeOfClass(r.exit)} ${r.exit} | ${esc(r.cause)} | ${esc(r.fix)} |`);
    out.push('');
  }
  out.push(
    '## Limits',
    '',
    'Bounds on what a user, a log or an image can make large, each a named constant in',
    '`src/core/limits.ts`. Past a limit bootmedic refuses the input with one of the codes above',
    '(FILE_TOO_LARGE, CONFIG_VM_INVALID, CONFIG_VM_BAD_YAML, ...) or, for streams, cuts and counts.',
    '',
    '| limit | value | bounds |',
    '| --- | --- | --- |',
  );
  for (const [name, value] of Object.entries(LIMIT)) out.push(`| \`${name}\` | ${value} | ${esc(LIMIT_DOCS[name as keyof typeof LIMIT])} |`);
  out.push('');
  return out.join('\n');
}
