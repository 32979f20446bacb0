import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBootmedicError } from '../../core/index.ts';
import { exec } from './exec.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a failing tool is one GUEST_DEBIAN_TOOL_FAILED quoting its output', async () => {
  await assert.rejects(exec('sh', ['-c', 'echo "no space left" >&2; exit 3']), (e) => isBootmedicError(e, 'GUEST_DEBIAN_TOOL_FAILED') && /exited with 3: no space left/.test(e.message));
});

test('a missing tool is GUEST_DEBIAN_TOOL_MISSING', async () => {
  await assert.rejects(exec('bootmedic-no-such-tool', []), (e) => isBootmedicError(e, 'GUEST_DEBIAN_TOOL_MISSING'));
});

test('input goes to stdin and lines stream out', async () => {
  const lines: string[] = [];
  const r = await exec('cat', [], { input: 'a\nb\n', onLine: (l) => lines.push(l) });
  assert.equal(r.stdout, 'a\nb\n');
  assert.deepEqual(lines, ['a', 'b']);
});

test('abort kills the whole process group, grandchildren included', async () => {
  const ac = new AbortController();
  let grandchild = 0;
  const p = exec('sh', ['-c', 'sleep 300 & echo $!; wait'], {
    signal: ac.signal,
    onLine: (l) => {
      grandchild = Number(l);
      ac.abort();
    },
  });
  await assert.rejects(p, (e) => isBootmedicError(e, 'GUEST_DEBIAN_ABORTED'));
  assert.ok(grandchild > 0);
  // SIGTERM to the group; give the kernel a moment to reap the orphan.
  for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(grandchild), false, 'the background sleep died with its group');
});
