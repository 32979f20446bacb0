// Firmware running beside the kernel on real boards (ARM Trusted Firmware's BL31) prints
// "INFO:    ", "NOTICE:  ", "WARNING: ", "ERROR:   " lines before and between the kernel's
// timestamped lines. They are not kernel reports. The console below is written for this
// test; only the level prefixes are ATF's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLines } from '../console/index.ts';
import { analyzeLog } from './index.ts';
import { parseKernelReport } from './kernel-report/index.ts';

const BOARD = [
  'NOTICE:  BL31: v2.9(release):demo-board',
  'NOTICE:  BL31: Built : 10:00:00, Jan  1 2026',
  'INFO:    demo-board bl31_setup',
  'INFO:    BL31: Initializing runtime services',
  'WARNING: BL31: demo-board: erratum workaround not applied',
  'INFO:    BL31: Preparing for EL3 exit to normal world',
  'U-Boot 2026.01 (Jan 01 2026 - 00:00:00 +0000)',
  'Starting kernel ...',
  '',
  '[    0.000000] Booting Linux on physical CPU 0x0000000000 [0x410fd034]',
  '[    0.000000] Linux version 6.17.0-demo (demo@build) #1 SMP PREEMPT',
  '[    0.120000] smp: Bringing up secondary CPUs ...',
  'INFO:    demo-board bl31_setup',
  'INFO:    psci: cpu_on mpidr 0x1',
  '[    0.130000] Detected VIPT I-cache on CPU1',
  'WARNING: BL31: demo-board: power domain 2 left on',
  'ERROR:   BL31: demo-board: SCMI channel busy',
  'NOTICE:  BL31: demo-board: cpu 1 online',
  '[    0.140000] CPU1: Booted secondary processor 0x0000000001 [0x410fd034]',
  '[    0.150000] smp: Brought up 1 node, 2 CPUs',
];
const READY = ['[    2.000000] Run /init as init process', 'demo login: ', ''];

const crashes = (log: string) => analyzeLog(log).findings.filter((f) => f.component === 'kernel' && f.family !== 'progress');

test('ATF lines before and between kernel lines make no kernel report', () => {
  const r = analyzeLog([...BOARD, ...READY].join('\n'));
  assert.deepEqual(crashes([...BOARD, ...READY].join('\n')).map((f) => f.title), []);
  assert.equal(r.lastPhase, 'ready');
});

test('kernel reports among ATF lines are still found', () => {
  const hung = [
    '[  130.000000] INFO: task demo-sync:88 blocked for more than 122 seconds.',
    '[  130.000100] Call Trace:',
    '[  130.000200]  __schedule+0x10e9/0x6820',
    '[  130.000300]  demo_flush_queue+0x91/0x200',
    '[  130.000400]  do_syscall_64+0xcd/0x4c0',
  ];
  const warn = [
    '[  140.000000] ------------[ cut here ]------------',
    '[  140.000100] WARNING: CPU: 1 PID: 88 at drivers/demo/demo.c:42 demo_probe+0x1a/0x40',
    '[  140.000200] Call trace:',
    '[  140.000300]  demo_probe+0x1a/0x40',
    '[  140.000400] ---[ end trace 0000000000000000 ]---',
  ];
  const titles = (log: string[]) => crashes(log.join('\n')).map((f) => `${f.id} ${f.title}`);
  assert.deepEqual(titles([...BOARD, ...hung, 'INFO:    psci: cpu_off mpidr 0x1', ...READY]), ['kernel.hung-task INFO: task hung in demo_flush_queue']);
  // An ATF "WARNING: " just before the kernel's own is not taken for the report's start.
  assert.deepEqual(titles([...BOARD, 'WARNING: BL31: demo-board: cpu 1 hotplug slow', ...warn, ...READY]), ['kernel.warning WARNING in demo_probe']);
});

test('the report parser takes only the kernel\'s INFO: forms', () => {
  assert.equal(parseKernelReport(splitLines('INFO:    demo-board bl31_setup\nINFO:    BL31: Initializing runtime services\n')), undefined);
  // lockdep's old layout puts the header inside brackets; it is still a report.
  const r = parseKernelReport(splitLines([
    '[    0.105830] ===============================',
    '[    0.105831] [ INFO: suspicious RCU usage. ]',
    '[    0.105832] -------------------------------',
    '[    0.105833] kernel/sched/demo.c:120 suspicious rcu_dereference_check() usage!',
    '[    0.105834] Call Trace:',
    '[    0.105835]  demo_pick_cpu+0x30/0x90',
    '[    0.105836]  demo_wake_up+0x10/0x40',
    '',
  ].join('\n')));
  assert.equal(r?.title, 'INFO: suspicious RCU usage in demo_pick_cpu');
});
