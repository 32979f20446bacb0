import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBootmedicError } from '../errors.ts';
import { packageOf, peekToolSync, runTool, runToolSync } from './run-tool.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (on the event, not a fixed sleep) for a pid to disappear, up to 10 s. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

test('a missing tool is TOOL_MISSING naming the Debian package to install', async () => {
  await assert.rejects(runTool('bootmedic-no-such-tool', []), (e) => isBootmedicError(e, 'TOOL_MISSING') && /bootmedic-no-such-tool' is not installed/.test(e.message));
  assert.throws(() => runToolSync('bootmedic-no-such-tool', []), (e) => isBootmedicError(e, 'TOOL_MISSING'));
  // A tool bootmedic knows names its package in the message and the fix (PATH holds no such directory).
  const e = await runTool('debugfs', [], { env: { PATH: '/nonexistent' } }).catch((x: unknown) => x);
  assert.ok(isBootmedicError(e, 'TOOL_MISSING'));
  assert.match(e.message, /Debian package e2fsprogs/);
  assert.match(e.fix, /apt-get install e2fsprogs/);
  assert.equal(packageOf('/usr/bin/qemu-img'), 'qemu-utils');
});

test('a non-zero exit is TOOL_FAILED with the tool, its arguments and the end of its stderr; check:false returns it', async () => {
  const script = 'echo noise >&2; echo "no space left on device" >&2; exit 3';
  for (const run of [() => runTool('sh', ['-c', script]), async () => runToolSync('sh', ['-c', script])]) {
    await assert.rejects(run(), (e) => {
      assert.ok(isBootmedicError(e, 'TOOL_FAILED'));
      assert.match(e.message, /^sh -c .* exited with 3: noise \/ no space left on device$/);
      assert.deepEqual(e.details?.['args'], ['-c', script]);
      assert.equal(e.details?.['tool'], 'sh');
      return true;
    });
  }
  const r = await runTool('sh', ['-c', 'echo out; exit 2'], { check: false });
  assert.deepEqual(r, { code: 2, stdout: 'out\n', stderr: '' });
  assert.equal(runToolSync('sh', ['-c', 'exit 4'], { check: false }).code, 4);
  await assert.rejects(runTool('sh', ['-c', 'exit 1'], { what: 'overlay over /x' }), (e) => isBootmedicError(e, 'TOOL_FAILED') && e.message === 'sh (overlay over /x) exited with 1');
});

test('input goes to stdin and lines stream out', async () => {
  const lines: string[] = [];
  const r = await runTool('cat', [], { input: 'a\nb\n', onLine: (l) => lines.push(l) });
  assert.equal(r.stdout, 'a\nb\n');
  assert.deepEqual(lines, ['a', 'b']);
  assert.equal(runToolSync('cat', [], { input: 'x' }).stdout, 'x');
});

test('output past the bound stops the tool (TOOL_OUTPUT_LIMIT), or keeps the tail when asked', async () => {
  await assert.rejects(runTool('head', ['-c', '100000', '/dev/zero'], { maxOutputBytes: 1000 }), (e) => isBootmedicError(e, 'TOOL_OUTPUT_LIMIT'));
  assert.throws(() => runToolSync('head', ['-c', '100000', '/dev/zero'], { maxOutputBytes: 1000 }), (e) => isBootmedicError(e, 'TOOL_OUTPUT_LIMIT'));
  const r = await runTool('seq', ['1', '20000'], { maxOutputBytes: 12, overflow: 'tail' });
  assert.equal(r.stdout, '19999\n20000\n');
});

test('abort kills the whole process group and the grandchild is reaped', async () => {
  const ac = new AbortController();
  let grandchild = 0;
  const p = runTool('sh', ['-c', 'sleep 300 & echo $!; wait'], {
    signal: ac.signal,
    onLine: (l) => {
      grandchild = Number(l);
      ac.abort();
    },
  });
  await assert.rejects(p, (e) => isBootmedicError(e, 'TOOL_ABORTED'));
  assert.ok(grandchild > 0);
  assert.equal(await gone(grandchild), true, 'the background sleep died with its group');
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(runTool('true', [], { signal: pre.signal }), (e) => isBootmedicError(e, 'TOOL_ABORTED'));
});

test('a timeout kills the group too (TOOL_TIMEOUT), even when the tool ignores SIGTERM', async () => {
  let pid = 0;
  const p = runTool('sh', ['-c', "trap '' TERM; sleep 300 & echo $!; wait"], { timeoutMs: 200, graceMs: 200, onLine: (l) => (pid = Number(l)) });
  await assert.rejects(p, (e) => isBootmedicError(e, 'TOOL_TIMEOUT') && /did not finish within 0.2 s/.test(e.message));
  assert.ok(pid > 0);
  assert.equal(await gone(pid), true, 'the background sleep was killed');
  assert.throws(() => runToolSync('sleep', ['30'], { timeoutMs: 200 }), (e) => isBootmedicError(e, 'TOOL_TIMEOUT'));
});

test('stdoutTo writes the output to a file for a second tool, capturing nothing', async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'bm-tool-'));
  try {
    const r = await runTool('seq', ['1', '3'], { stdoutTo: join(dir, 'out') });
    assert.equal(r.stdout, '');
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), '1\n2\n3\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('peekToolSync keeps the head of a tool that writes on and stops it there; exits and missing tools are typed', () => {
  // `yes` never ends by itself: only the bound stops it, and what it wrote so far is the peek.
  const head = peekToolSync('yes', ['bootmedic'], { maxBytes: 4096, timeoutMs: 20_000 });
  assert.equal(head.length, 4096);
  assert.equal(head.subarray(0, 10).toString('latin1'), 'bootmedic\n');
  // A tool that finishes within the bound gives all of its output, as raw bytes.
  const all = peekToolSync('head', ['-c', '3'], { input: Buffer.from([0xff, 0x00, 0x80, 0x41]), maxBytes: 1024 });
  assert.deepEqual([...all], [0xff, 0x00, 0x80]);
  assert.throws(() => peekToolSync('false', [], { maxBytes: 16 }), (e) => isBootmedicError(e) && e.code === 'TOOL_FAILED');
  assert.throws(() => peekToolSync('bootmedic-no-such-tool', [], { maxBytes: 16 }), (e) => isBootmedicError(e) && e.code === 'TOOL_MISSING');
});

test('dieWithParent: the kernel kills the tool when bootmedic is killed with -9 (without it the tool is orphaned); a missing tool is still TOOL_MISSING', async () => {
  const { spawn } = await import('node:child_process');
  const { readFileSync } = await import('node:fs');
  /** Running, not a zombie waiting for init to reap it. */
  const running = (pid: number) => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const runToolUrl = new URL('./run-tool.ts', import.meta.url).href;
  /** A node process that runs `sh` printing its own pid then `sleep 300` through runTool, is killed -9, and leaves the tool's pid. */
  const toolOfKilledParent = (dieWithParent: boolean) =>
    new Promise<number>((resolve, reject) => {
      const code = `import { runTool } from ${JSON.stringify(runToolUrl)};
        await runTool('sh', ['-c', 'echo $$; exec sleep 300'], { dieWithParent: ${dieWithParent}, onLine: (l) => process.stdout.write(l + '\\n') });`;
      const p = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      let pid = 0;
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        pid = Number(d.trim());
        p.kill('SIGKILL');
      });
      p.on('exit', () => (pid > 0 ? resolve(pid) : reject(new Error('the tool never printed its pid'))));
    });
  const guarded = await toolOfKilledParent(true);
  for (let i = 0; i < 100 && running(guarded); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(running(guarded), false, 'the tool died with its parent');
  const orphan = await toolOfKilledParent(false);
  try {
    assert.equal(running(orphan), true, 'without dieWithParent the tool outlives a parent killed with -9');
  } finally {
    process.kill(-orphan, 'SIGKILL'); // its own process group: ours to end
  }
  await assert.rejects(runTool('bootmedic-no-such-tool', [], { dieWithParent: true }), (e) => isBootmedicError(e, 'TOOL_MISSING') && /not installed/.test(e.message));
});
