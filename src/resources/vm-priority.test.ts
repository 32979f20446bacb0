import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createResourceGuard } from './guard.ts';
import { DEFAULT_VM_NICE, lowerVmPriority, vmNiceValue } from './vm-priority.ts';

/** The nice value of each thread of `pid` (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(') ') + 2).split(' ')[16]);
  });
}

/** A node child with two worker threads that starts a third on a line of stdin; resolves once the first two run. */
async function threadedChild(): Promise<{ child: ChildProcess; line: (text: string) => Promise<string> }> {
  const code = `
    const { Worker } = require('node:worker_threads');
    const spin = () => new Worker('setInterval(() => {}, 1000)', { eval: true });
    let n = 0;
    const ready = () => process.stdout.write('up ' + ++n + '\\n');
    spin().once('online', ready); spin().once('online', ready);
    process.stdin.on('data', () => spin().once('online', ready));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const waiters: Array<{ want: string; resolve: (s: string) => void }> = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    for (const w of [...waiters]) if (out.includes(w.want)) waiters.splice(waiters.indexOf(w), 1) && w.resolve(out);
  });
  const until = (want: string) => new Promise<string>((resolve) => (out.includes(want) ? resolve(out) : waiters.push({ want, resolve })));
  await until('up 2');
  return { child, line: async (text) => (child.stdin!.write(text), until('up 3')) };
}

test('vmNiceValue: the increment over our own nice, capped at 19', () => {
  assert.equal(vmNiceValue(0, 10), 10);
  assert.equal(vmNiceValue(5, 10), 15);
  assert.equal(vmNiceValue(15, 10), 19);
  assert.equal(vmNiceValue(0, 0), 0);
  assert.equal(DEFAULT_VM_NICE, 10);
});

test('lowerVmPriority renices every thread of a running process, and threads it makes later inherit the priority', async () => {
  const { child, line } = await threadedChild();
  try {
    const pid = child.pid!;
    const before = threadNices(pid);
    assert.ok(before.length >= 3, `a main thread and two workers (saw ${before.length} threads)`);
    assert.ok(before.every((n) => n === getPriority()), 'the child starts at our priority');
    lowerVmPriority(pid, 7);
    const want = vmNiceValue(getPriority(), 7);
    assert.deepEqual(new Set(threadNices(pid)), new Set([want]), 'every thread reniced');
    const countBefore = threadNices(pid).length;
    await line('more\n');
    const after = threadNices(pid);
    assert.ok(after.length > countBefore, 'a new worker thread was made');
    assert.deepEqual(new Set(after), new Set([want]), 'the new thread inherited the lower priority');
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
});

test("the guard's place() lowers a launched VM's priority as vmNice says (default 10; 0 leaves it alone)", async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-nice-'));
  const vm = { name: 'nice-test', memoryMiB: 64, cpus: 1, qos: 'burstable' as const };
  try {
    for (const [vmNice, increment] of [[undefined, DEFAULT_VM_NICE], [3, 3], [0, 0]] as const) {
      const { child } = await threadedChild();
      try {
        const guard = createResourceGuard({ home, cgroupRoot: join(home, 'no-cgroup-root'), ...(vmNice !== undefined ? { vmNice: () => vmNice } : {}) });
        const release = guard.place(vm, child.pid!);
        assert.deepEqual(new Set(threadNices(child.pid!)), new Set([vmNiceValue(getPriority(), increment)]), `vmNice ${String(vmNice)}`);
        release();
      } finally {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
