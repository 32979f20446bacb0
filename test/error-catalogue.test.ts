import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectErrorCodes, renderErrorsDoc } from '../scripts/error-catalogue.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('error codes are unique across parts and carry their part prefix', async () => {
  const rows = await collectErrorCodes(root);
  assert.ok(rows.length > 5, `found ${rows.length} codes`);
  const seen = new Map<string, string>();
  for (const r of rows) {
    assert.ok(!seen.has(r.code), `${r.code} is declared in ${seen.get(r.code)} and ${r.file}`);
    seen.set(r.code, r.file);
    assert.match(r.code, /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/, `${r.code} in ${r.file}`);
    assert.ok(r.cause.length > 10 && r.fix.length > 5, `${r.code} needs a cause and a fix`);
  }
});

test('docs/errors.md is generated from the catalogues and up to date', async () => {
  const rows = await collectErrorCodes(root);
  const doc = readFileSync(`${root}/docs/errors.md`, 'utf8');
  assert.equal(doc, renderErrorsDoc(rows), "docs/errors.md is stale: run 'node scripts/gen-errors-doc.ts'");
});
