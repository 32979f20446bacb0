// Which crash header of kb/kernel-crash.json a kernel report lands on in the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeLog, isFailure } from './index.ts';

// The logs below stop in the kernel; incomplete-boot is not what these tests look at.
const failures = (log: string) => analyzeLog(log).findings.filter((f) => isFailure(f) && f.id !== 'incomplete-boot');

const HUNG_STACK = [
  '[  300.000200] Call Trace:',
  '[  300.000300]  __schedule+0x10e9/0x6820',
  '[  300.000400]  io_schedule+0x40/0x90',
  '[  300.000500]  demo_blk_get_tag+0x91/0x200',
  '[  300.000600]  do_syscall_64+0xcd/0x4c0',
  '',
].join('\n');

test('hung tasks in the newer wording are hung-task findings', () => {
  for (const header of [
    'INFO: task kworker/u8:2:88 blocked for more than 120 seconds.',
    'INFO: task demo worker:88 blocked in I/O wait for more than 122 seconds.',
  ]) {
    const f = failures(`[  299.000000] Linux version 6.17.0\n[  300.000100] ${header}\n${HUNG_STACK}`);
    assert.equal(f.length, 1, header);
    assert.equal(f[0]!.id, 'kernel.hung-task', header);
    assert.equal(f[0]!.title, 'INFO: task hung in demo_blk_get_tag');
  }
});
