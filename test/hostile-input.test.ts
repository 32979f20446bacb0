// The hostile tester's inputs, through the real CLI in a child process: each is one clear
// line and exit 65, never a hang, a stack trace or exit 70. A child that hangs is killed by
// the timeout below, which then fails the test (the timeout is a safety net, not a measure).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/bootmedic.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bm-hostile-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
mkdirSync(join(dir, 'folder'));

/** Runs the CLI; a run that does not end within a minute is killed and reported as hung. */
function cli(args: string[]): Promise<{ code: number | null; hung: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, '--home', join(dir, 'home'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let hung = false;
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, hung, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function qcow2Over(name: string, backing: string): string {
  const p = join(dir, name);
  // -u: qemu-img must not open the backing file, which may be a FIFO.
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', backing, '-F', 'raw', p, '1M']);
  return p;
}

async function refused(args: string[], message: RegExp, code = 65): Promise<void> {
  const r = await cli(args);
  assert.equal(r.hung, false, `bootmedic ${args.join(' ')} hung`);
  assert.equal(r.code, code, `bootmedic ${args.join(' ')}: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, 'no stack trace');
}

test('image inspect of a FIFO, a folder, or a qcow2 whose backing file is one: FILE_WRONG_TYPE, exit 65', async () => {
  await refused(['image', 'inspect', fifo], /disk image .*fifo: a FIFO \(named pipe\)/);
  await refused(['image', 'inspect', join(dir, 'folder')], /disk image .*folder: a directory/);
  await refused(['image', 'inspect', qcow2Over('over-fifo.qcow2', fifo)], /backing file .*fifo: a FIFO/);
  await refused(['image', 'inspect', qcow2Over('over-folder.qcow2', join(dir, 'folder'))], /backing file .*folder: a directory/);
});

test('boot with a FIFO as VM file, kernel, initrd, disk, firmware or backing file: exit 65 before QEMU starts', async () => {
  const real = file('real-file', 'x');
  await refused(['boot', fifo], /VM file .*fifo: a FIFO/);
  await refused(['boot', file('k.yaml', `name: k\nkernel: ${fifo}\n`)], /kernel .*fifo: a FIFO/);
  await refused(['boot', file('i.yaml', `name: i\nkernel: ${real}\ninitrd: ${fifo}\n`)], /initrd .*fifo: a FIFO/);
  await refused(['boot', file('d.yaml', `name: d\ndisks: [{path: ${fifo}, format: raw}]\n`)], /disk image .*fifo: a FIFO/);
  await refused(['boot', file('f.yaml', `name: f\nfirmware: uefi\nfirmwareVars: ${fifo}\ndisks: [{path: ${real}, format: raw}]\n`)], /UEFI variable store .*fifo: a FIFO/);
  await refused(['boot', file('b.yaml', `name: b\ndisks: [{path: ${qcow2Over('boot-over-fifo.qcow2', fifo)}, format: qcow2}]\n`)], /backing file .*fifo: a FIFO/);
  await refused(['boot', file('dir.yaml', `name: dir\nkernel: ${join(dir, 'folder')}\n`)], /kernel .*folder: a directory/);
});

test('analyze and diagnose of a FIFO or a folder: exit 65, not a hang', async () => {
  await refused(['analyze', fifo], /console log .*fifo: a FIFO.*\n.*pass '-'/);
  await refused(['analyze', join(dir, 'folder')], /console log .*folder: a directory/);
  await refused(['diagnose', fifo], /console log .*fifo: a FIFO/);
  await refused(['ledger', 'verify', '--offline', fifo], /export .*fifo: a FIFO .*not a directory/);
});

test('a YAML alias bomb and a huge append are config errors (65), not crashes (70)', async () => {
  const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 8; i++) bomb.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  await refused(['boot', file('bomb.yaml', `name: bomb\nguest: tiny\n${bomb.join('\n')}\n`)], /aliases/);
  await refused(['boot', file('append.yaml', `name: a\nguest: tiny\nappend: "${'a'.repeat(60_000)}"\n`)], /append: the kernel command line would be 60513 bytes .*2047/);
  // The tester's 200 KB append no longer fits a VM file at all.
  await refused(['boot', file('append200k.yaml', `name: a\nguest: tiny\nappend: "${'a'.repeat(200_000)}"\n`)], /VM file .*append200k\.yaml: \d+ bytes, more than the limit of 65536/);
  await refused(['boot', file('append5k.yaml', `name: a\nguest: tiny\nappend: "${'a'.repeat(5000)}"\n`)], /append: the kernel command line would be 5513 bytes/);
  await refused(['boot', file('huge.yaml', `name: h\nguest: tiny\nappend: "${'a'.repeat(50 << 20)}"\n`)], /VM file .*huge\.yaml: \d+ bytes, more than the limit of 65536/);
});

test('SIGTERM stops analyze while it waits on a quiet pipe: exit 143 (128 + SIGTERM), no stack', async () => {
  const child = spawn(process.execPath, [bin, '--home', join(dir, 'home'), 'analyze', '-'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  // The first finding on stdout shows the command is running (its signal handlers are set);
  // stdin stays open, so only the signal can end it.
  const firstOutput = new Promise((resolve) => child.stdout.once('data', resolve));
  child.stdin.write('Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n');
  await firstOutput;
  child.kill('SIGTERM');
  const r = await closed;
  clearTimeout(timer);
  child.stdin.destroy();
  assert.equal(r.signal, null, `killed by ${r.signal}: it did not stop on SIGTERM`);
  assert.equal(r.code, 143, stderr);
  assert.doesNotMatch(stderr, /\n\s+at |internal error/);
});
