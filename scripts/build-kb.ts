// Writes src/signatures/kernel-report/linux-oopses.json from linux-oopses.yaml, the file
// people edit. Run after changing the YAML; a test fails while the two differ.
//   node scripts/build-kb.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { oopsRulesAsJson } from '../src/signatures/index.ts';

const dir = fileURLToPath(new URL('../src/signatures/kernel-report/', import.meta.url));
writeFileSync(`${dir}linux-oopses.json`, oopsRulesAsJson(readFileSync(`${dir}linux-oopses.yaml`, 'utf8')));
process.stdout.write('src/signatures/kernel-report/linux-oopses.json written from linux-oopses.yaml\n');
