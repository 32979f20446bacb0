// Collects every part's error catalogue (src/*/errors.ts and nested errors.ts files) so
// docs/errors.md can be generated from the code and checked against it.
import { globSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { ErrorCatalogue } from '../src/core/index.ts';

export type CatalogueRow = { code: string; part: string; cause: string; fix: string; file: string };

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
      for (const [code, spec] of Object.entries(cat.codes)) rows.push({ code, part: cat.part, cause: spec.cause, fix: spec.fix, file });
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
  ];
  for (const part of parts) {
    out.push(`## ${part}`, '', '| code | cause | fix |', '| --- | --- | --- |');
    for (const r of rows.filter((x) => x.part === part).sort((a, b) => a.code.localeCompare(b.code))) out.push(`| \`${r.code}\` | ${esc(r.cause)} | ${esc(r.fix)} |`);
    out.push('');
  }
  return out.join('\n');
}
