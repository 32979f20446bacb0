// Regenerates docs/errors.md from the error catalogues in src/**/errors.ts.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { collectErrorCodes, renderErrorsDoc } from './error-catalogue.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const rows = await collectErrorCodes(root);
writeFileSync(`${root}/docs/errors.md`, renderErrorsDoc(rows));
process.stdout.write(`docs/errors.md: ${rows.length} codes\n`);
