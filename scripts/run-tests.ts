// Runs every test: the type check, unit tests beside the code (src/**/*.test.ts,
// testkit/**/*.test.ts) and the integration tests that boot real QEMU (test/**/*.test.ts).
// `--unit` skips the QEMU tests. Test files run one at a time on this 2-core machine so
// that QEMU boots do not fight each other for CPU and stall budgets stay meaningful.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const unitOnly = process.argv.includes('--unit');
const skipTypecheck = process.argv.includes('--no-typecheck');

// Two projects: the Node code, and the dashboard's browser code (web/, DOM types and JSX).
for (const project of skipTypecheck ? [] : ['.', 'web']) {
  process.stdout.write(`== type check (tsc --noEmit -p ${project})\n`);
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', project], { stdio: 'inherit' });
  if (tsc.status !== 0) {
    process.stdout.write('type check failed\n');
    process.exit(tsc.status ?? 1);
  }
}

// The real-QEMU tests of the Debian guest (a UEFI boot, image repairs proved by a boot)
// need its disk image: build it once here, before any test file runs, so no test depends
// on the order of another. A few minutes the first time, cached after. Where it cannot be
// built (not root, no debootstrap), those tests skip and say why.
// The Secure Boot variant reuses the same debootstrap tree and adds Debian's signed shim and
// GRUB (under a minute more).
if (!unitOnly) {
  for (const [what, extra] of [['debian', []], ['debian --secure-boot', ['--secure-boot']]] as const) {
    process.stdout.write(`== guest build ${what} (cached after the first run)\n`);
    const b = spawnSync(process.execPath, ['bin/bootmedic.js', 'guest', 'build', 'debian', ...extra], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (b.status !== 0) process.stdout.write(`the guest ${what} was not built (exit ${b.status}); its tests will skip\n`);
  }
}

const patterns = ['src/**/*.test.ts', 'testkit/**/*.test.ts', ...(unitOnly ? [] : ['test/**/*.test.ts'])];
const files = patterns.flatMap((p) => globSync(p)).sort();
process.stdout.write(`== ${files.length} test files\n`);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
