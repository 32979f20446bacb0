// Runs every benchmark one after another and prints their figures (`npm run bench`).
// The defaults are the full figures the README quotes; `--quick` shrinks the long ones
// (a 100 MB log instead of 1 GB, 100,000 ledger entries, a 10-scenario drill).
// Benchmarks boot real QEMU: run them on a quiet machine, one at a time.
import { spawnSync } from 'node:child_process';

const quick = process.argv.includes('--quick');
const runs: [string, string[]][] = [
  ['bench/boot.ts', ['--runs', quick ? '3' : '10']],
  ['bench/signatures.ts', ['--size-mb', quick ? '100' : '1024']],
  ['bench/kernel-report.ts', []],
  ['bench/ledger.ts', ['--entries', quick ? '100000' : '1000000']],
  ['bench/image-inspect.ts', []],
  ['bench/heal-planner.ts', []],
  ['bench/nab.ts', []],
  ['bench/collect.ts', []],
  ['bench/forecast.ts', []],
  ['bench/debian-guest.ts', []],
  ['bench/api.ts', ['--seconds', quick ? '5' : '10']],
  ['bench/libvirt-watch.ts', quick ? ['--runs', '10', '--domains', '10', '--seconds', '10'] : []],
  ['bench/drill.ts', ['--scenarios', quick ? '10' : '100', '--seed', '1']],
  ['bench/dashboard.ts', []],
];
let failed = 0;
for (const [file, args] of runs) {
  process.stdout.write(`\n===== node ${file} ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [file, ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`${file} exited with ${r.status ?? r.signal}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
