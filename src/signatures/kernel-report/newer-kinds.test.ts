// Report kinds the labelled corpus holds few of: hung tasks whose name carries a newline,
// rcu_tasks stalls, int3 traps, the guilty frame of a filesystem WARNING in the late-2025
// header format, and syzkaller's own fatal errors. Each report is written here by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLines } from '../../console/index.ts';
import { parseKernelReport } from './index.ts';

const parse = (log: string) => parseKernelReport(splitLines(log));

const SYSCALL = [
  '[  812.400200][ T4411]  __do_sys_mount+0x1a0/0x300',
  '[  812.400201][ T4411]  do_syscall_64+0xcd/0x4c0',
  '[  812.400202][ T4411]  entry_SYSCALL_64_after_hwframe+0x77/0x7f',
  '[  812.400203][ T4411]  </TASK>',
].join('\n');

test('hung task: a task name with a newline in it still gives the hung-task title', () => {
  const r = parse(`[  812.400100][   T31] INFO: task wor
[  812.400100][   T31] ker:4411 blocked for more than 143 seconds.
[  812.400110][   T31]       Not tainted 6.17.0 #1
[  812.400120][   T31] "echo 0 > /proc/sys/kernel/hung_task_timeout_secs" disables this message.
[  812.400130][   T31] task:wor
[  812.400130][   T31] ker state:D stack:25000 pid:4411 tgid:4411 ppid:1 flags:0x00004004
[  812.400140][   T31] Call Trace:
[  812.400150][   T31]  <TASK>
[  812.400160][   T31]  __schedule+0x10e9/0x6820
[  812.400170][   T31]  schedule+0xdd/0x390
[  812.400180][   T31]  schedule_timeout+0x1b2/0x280
[  812.400190][   T31]  __wait_for_common+0x2e7/0x4c0
[  812.400195][   T31]  demo_fs_sync_super+0x91/0x200
${SYSCALL}
`);
  assert.ok(r !== undefined);
  assert.equal(r.title, 'INFO: task hung in demo_fs_sync_super');
  assert.equal(r.type, 'HANG');
});

test('hung task: "blocked in I/O wait" is a hung task too', () => {
  const r = parse(`[  812.400100][   T31] INFO: task kworker/0:3:88 blocked in I/O wait for more than 122 seconds.
[  812.400140][   T31] Call Trace:
[  812.400160][   T31]  __schedule+0x10e9/0x6820
[  812.400170][   T31]  io_schedule+0x40/0x90
[  812.400195][   T31]  demo_blk_get_tag+0x91/0x200
${SYSCALL}
`);
  assert.ok(r !== undefined);
  assert.equal(r.title, 'INFO: task hung in demo_blk_get_tag');
});

test('rcu_tasks stall: titled as an RCU stall, a HANG', () => {
  const r = parse(`[ 2000.100000][   T28] INFO: rcu_tasks detected stalls on tasks:
[ 2000.100010][   T28] ffff888011112222: .. nvcsw: 3/3 holdout: 1 idle_cpu: -1/0
[ 2000.100020][   T28] task:demo-loop state:R  running task     stack:24000 pid:900 tgid:900 ppid:1 flags:0x00004000
[ 2000.100030][   T28] Call Trace:
[ 2000.100040][   T28]  <TASK>
[ 2000.100050][   T28]  ? __schedule+0x11d7/0x6730
[ 2000.100060][   T28]  ? demo_spin_forever+0x30/0x90
[ 2000.100070][   T28]  ? __x64_sys_ioctl+0x18f/0x210
[ 2000.100080][   T28]  </TASK>
`);
  assert.ok(r !== undefined);
  assert.match(r.title, /^INFO: rcu detected stall in /);
  assert.equal(r.type, 'HANG');
});

test('int3: the trap is titled by the first frame of the call trace the skip list lets through', () => {
  const r = parse(`[  150.000001][    C0] Oops: int3: 0000 [#1] SMP KASAN NOPTI
[  150.000002][    C0] CPU: 0 UID: 0 PID: 77 Comm: demo Not tainted 6.15.0 #0
[  150.000003][    C0] RIP: 0010:kmem_cache_alloc_noprof+0x83/0x3b0
[  150.000004][    C0] RSP: 0018:ffffc9000407f600 EFLAGS: 00000246
[  150.000005][    C0] Call Trace:
[  150.000006][    C0]  <TASK>
[  150.000007][    C0]  demo_table_grow+0xbf/0x930
[  150.000008][    C0]  demo_table_insert+0x3f75/0x5d90
[  150.000009][    C0]  do_syscall_64+0xcd/0x4c0
[  150.000010][    C0]  </TASK>
[  150.000011][    C0] ---[ end trace 0000000000000000 ]---
[  150.000012][    C0] Kernel panic - not syncing: Fatal exception in interrupt
`);
  assert.ok(r !== undefined);
  assert.equal(r.title, 'int3 in demo_table_grow');
  assert.equal(r.corrupted, false, r.corruptedReason);
  assert.equal(r.type, 'DoS');
});

test('filesystem WARNING in the late-2025 format: the buffer helper is not the guilty frame', () => {
  const r = parse(`[  140.000001][ T6000] ------------[ cut here ]------------
[  140.000002][ T6000] WARNING: fs/buffer.c:1183 at mark_buffer_dirty+0x299/0x3f0, CPU#1: demo/6000
[  140.000003][ T6000] Modules linked in:
[  140.000004][ T6000] RIP: 0010:mark_buffer_dirty+0x299/0x3f0
[  140.000005][ T6000] Call Trace:
[  140.000006][ T6000]  <TASK>
[  140.000007][ T6000]  demofs_get_block+0x5da/0xae0
[  140.000008][ T6000]  __block_write_begin_int+0x6c6/0x1910
[  140.000009][ T6000]  generic_perform_write+0x2af/0x8b0
[  140.000010][ T6000]  </TASK>
[  140.000011][ T6000] ---[ end trace 0000000000000000 ]---
`);
  assert.ok(r !== undefined);
  assert.equal(r.title, 'WARNING in demofs_get_block');
});

test('SYZFATAL: the bare prefix is an alternative title', () => {
  const r = parse('2026/01/02 03:04:05 SYZFATAL: demo manager lost the executor\n');
  assert.ok(r !== undefined);
  assert.equal(r.title, 'SYZFATAL: demo manager lost the executor');
  assert.deepEqual(r.alt, ['SYZFATAL']);
});
