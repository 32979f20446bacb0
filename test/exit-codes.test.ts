// Every catalogued error code exits with the code the README's table promises for its class.
// Codes the CLI reaches cheaply are driven through the real CLI; the rest are checked through
// exitCodeOf, the function main() uses to turn an error into an exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectErrorCodes } from '../scripts/error-catalogue.ts';
import { EXIT_CLASSES, BootmedicError, LIMIT, type ExitClass } from '../src/core/index.ts';
import { exitCodeOf, exitCodeOfClass } from '../src/cli/index.ts';
import { runCli } from '../testkit/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The exit codes the README promises, read from its text so the two cannot drift apart. */
function readmePromises(): Record<Exclude<ExitClass, 'interrupted'>, number> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const find = (words: string) => {
    const m = new RegExp(`(\\d+) ${words}`).exec(readme);
    assert.ok(m, `README.md promises no exit code for "${words}"`);
    return Number(m[1]);
  };
  return { usage: find('usage'), input: find('bad input'), unavailable: find('QEMU/KVM unavailable'), busy: find('busy') };
}

test('the README promises 64 usage, 65 bad input, 69 unavailable, 75 busy', () => {
  assert.deepEqual(readmePromises(), { usage: 64, input: 65, unavailable: 69, busy: 75 });
});

test('every class maps to the promised exit code, and every code has a class', async () => {
  const promised = readmePromises();
  for (const c of EXIT_CLASSES) if (c !== 'interrupted') assert.equal(exitCodeOfClass(c), promised[c], `class ${c}`);
  assert.equal(exitCodeOfClass('interrupted'), 130);
  const rows = await collectErrorCodes(root);
  for (const r of rows) {
    assert.ok((EXIT_CLASSES as readonly string[]).includes(r.exit), `${r.code} (${r.file}) has no exit class`);
    const e = new BootmedicError(r.code, 'm', { fix: r.fix, exit: r.exit });
    assert.equal(exitCodeOf(e), r.exit === 'interrupted' ? 130 : promised[r.exit], r.code);
  }
});

test('an error that is not catalogued exits 70 (a bug), not a class of the user', () => {
  assert.equal(exitCodeOf(new Error('x')), 70);
  assert.equal(exitCodeOf('x'), 70);
});

test('codes the CLI reaches exit with their class, one line, no stack', async () => {
  const rows = new Map((await collectErrorCodes(root)).map((r) => [r.code, r]));
  const promised = readmePromises();
  const dir = mkdtempSync(join(tmpdir(), 'bm-exit-'));
  const home = join(dir, 'home');
  const vm = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const cases: [code: string, argv: string[]][] = [
    ['CLI_USAGE', ['boot', '--frob', 'x.yaml']],
    ['CONFIG_VM_NOT_FOUND', ['boot', join(dir, 'absent.yaml')]],
    ['CONFIG_VM_BAD_YAML', ['boot', vm('bad.yaml', 'name: [x\n')]],
    ['CONFIG_VM_INVALID', ['boot', vm('inv.yaml', 'name: x\nguest: tiny\nfirmware: coreboot\n')]],
    ['HV_KERNEL_MISSING', ['boot', vm('k.yaml', `name: k\nkernel: ${join(dir, 'no-vmlinuz')}\n`)]],
    ['HV_INITRD_MISSING', ['boot', vm('i.yaml', `name: i\nkernel: ${join(dir, 'k.yaml')}\ninitrd: ${join(dir, 'no-initrd')}\n`)]],
    ['HV_DISK_MISSING', ['boot', vm('d.yaml', `name: d\ndisks: [{path: ${join(dir, 'no-disk.raw')}, format: raw}]\n`)]],
    ['HV_FIRMWARE_MISSING', ['boot', vm('f.yaml', `name: f\nfirmware: uefi\nfirmwareCode: ${join(dir, 'no-code.fd')}\ndisks: [{path: ${join(dir, 'k.yaml')}, format: raw}]\n`)]],
    ['DRILL_BAD_OPTIONS', ['drill', '--scenarios', '0', '--seed', '1']],
    ['SIGNATURES_LOG_NOT_FOUND', ['analyze', join(dir, 'absent.log')]],
    ['DIAGNOSE_NOT_FOUND', ['diagnose', 'no-such-boot']],
    ['LEDGER_BAD_EXPORT', ['ledger', 'verify', '--offline', join(dir, 'no-export')]],
    ['IMAGE_NOT_FOUND', ['image', 'inspect', join(dir, 'no-disk.raw')]],
    ['DIAGNOSE_BAD_MODEL', ['diagnose', '--model', join(dir, 'no-model.yaml'), 'x']],
    ['FILE_WRONG_TYPE', ['image', 'inspect', dir]],
    ['FILE_NOT_FOUND', ['ledger', 'verify', '--offline', dir, '--key', join(dir, 'no-key')]],
    ['FILE_TOO_LARGE', ['boot', vm('big.yaml', `name: big\n# ${'x'.repeat(LIMIT.VM_FILE_MAX_BYTES)}\n`)]],
  ];
  try {
    for (const [code, argv] of cases) {
      const row = rows.get(code);
      assert.ok(row, `${code} is not in the catalogue`);
      const r = await runCli(['--home', home, ...argv]);
      assert.equal(r.code, row.exit === 'interrupted' ? 130 : promised[row.exit], `${code}: bootmedic ${argv.join(' ')} printed ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${code}: no stack trace`);
      assert.match(r.stderr, /\n {2}fix: /, `${code}: a fix line`);
      // The catalogue's fix is printed, so the case reached that code; usage errors print the usage instead.
      if (row.exit === 'usage') assert.match(r.stderr, /fix: usage: bootmedic /, code);
      else assert.ok(r.stderr.includes(`fix: ${row.fix}`), `${code}: the catalogue's fix, so this case reached that code; got ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
