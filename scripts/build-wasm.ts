// Rebuilds src/console/byte-scan.wasm from its source, byte-scan.wat, with wat2wasm from
// the wabt package (fetched by npx on first use; only needed when the .wat changes).
//   node scripts/build-wasm.ts
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WABT = 'wabt@1.0.39';
const dir = fileURLToPath(new URL('../src/console/', import.meta.url));
const r = spawnSync('npx', ['--yes', `--package=${WABT}`, 'wat2wasm', `${dir}byte-scan.wat`, '-o', `${dir}byte-scan.wasm`], { stdio: 'inherit' });
if (r.status !== 0) {
  process.stderr.write(`build-wasm: wat2wasm (${WABT}) failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`}); it needs the npm registry once\n`);
  process.exit(1);
}
process.stdout.write('src/console/byte-scan.wasm rebuilt from byte-scan.wat\n');
