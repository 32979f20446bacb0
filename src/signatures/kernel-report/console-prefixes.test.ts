// Console noise around a report: prefixes, interleaved CPUs, CR, ANSI, glued prompts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitLines } from '../../console/index.ts';
import { containsKernelCrash, parseKernelReport } from './index.ts';

const parse = (log: string) => parseKernelReport(splitLines(log));

const WARN_BODY = (p: (s: string) => string): string => [
  p('------------[ cut here ]------------'),
  p('WARNING: CPU: 0 PID: 77 at fs/foo/check.c:100 foo_check_state+0x10/0x100'),
  p('RIP: 0010:foo_check_state+0x10/0x100'),
  p('Call Trace:'),
  p(' foo_ioctl+0x10/0x40'),
  p(' vfs_ioctl+0x100/0x200'),
].join('\n') + '\n';

test('timestamps, caller tags and syslog levels do not change the title', () => {
  const want = 'WARNING in foo_check_state';
  assert.equal(parse(WARN_BODY((s) => s))?.title, want);
  assert.equal(parse(WARN_BODY((s) => `[  123.456789] ${s}`))?.title, want);
  assert.equal(parse(WARN_BODY((s) => `[  123.456789][ T1234] ${s}`))?.title, want);
  assert.equal(parse(WARN_BODY((s) => `<4>[  123.456789] ${s}`))?.title, want);
});

test('interleaved output of another task is left out by following the caller tag', () => {
  const log = [
    '[   10.000001][ T100] ------------[ cut here ]------------',
    '[   10.000002][ T100] WARNING: CPU: 0 PID: 100 at fs/inode.c:400 drop_cache_x+0x10/0x20',
    '[   10.000003][ T200] audit: type=1400 audit(1.2:3): avc: denied',
    '[   10.000004][ T100] RIP: 0010:drop_cache_x+0x10/0x20',
    '[   10.000005][ T200]  other_task_frame+0x10/0x20',
    '[   10.000006][ T100] Call Trace:',
    '[   10.000007][ T200]  yet_another_frame+0x10/0x20',
    '[   10.000008][ T100]  evict+0x10/0x20',
    '[   10.000009][ T200]  noise_frame+0x10/0x20',
    '[   10.000010][ T100]  iput+0x10/0x20',
    '[   10.000011][ T100]  do_unlinkat+0x10/0x20',
  ].join('\n');
  const r = parse(log);
  assert.equal(r?.title, 'WARNING in drop_cache_x');
  assert.equal(r?.corrupted, false);
  assert.equal(r?.startLine, 2);
});

test('CR line ends, ANSI colour and a glued login prompt are tolerated', () => {
  const log = [
    '\x1b[0m[   20.000000] Starting something\r',
    'syzkaller login: [   20.100000] BUG: KASAN: use-after-free in foo_bar+0x10/0x20\r',
    '[   20.100001] Read of size 4 at addr ffff888000001234 by task x/1\r',
    '[   20.100002] Call Trace:\r',
    '[   20.100003]  \x1b[1mfoo_bar\x1b[0m+0x10/0x20\r',
    '[   20.100004]  baz_qux+0x10/0x20\r',
  ].join('\n');
  const r = parse(log);
  assert.equal(r?.title, 'KASAN: use-after-free Read in foo_bar');
  assert.equal(r?.corrupted, false);
});

test('a dropped-messages note in front of a line keeps its context', () => {
  const log = [
    '[   30.000000][ T5] INFO: task kworker:5 blocked for more than 143 seconds.',
    '** 12 printk messages dropped ** [   30.000001][ T5] Call Trace:',
    '[   30.000002][ T5]  __schedule+0x100/0x200',
    '[   30.000003][ T5]  schedule+0x10/0x20',
    '[   30.000004][ T5]  flush_old_commits+0x10/0x20',
  ].join('\n');
  assert.equal(parse(log)?.title, 'INFO: task hung in flush_old_commits');
});

test('questionable frames ("? func") are not taken as the guilty frame', () => {
  const log = [
    '[    1.0] general protection fault: 0000 [#1] SMP',
    '[    1.1] RIP: 0010:__sanitizer_cov_trace_pc+0x1/0x2',
    '[    1.2] Call Trace:',
    '[    1.3]  ? wrong_guess+0x10/0x20',
    '[    1.4]  right_one+0x10/0x20',
  ].join('\n');
  // The RIP frame is on the skip list, so the first reliable frame of the trace is used.
  assert.equal(parse(log)?.title, 'general protection fault in right_one');
});

test('logs without an oops, or with only suppressed look-alikes, hold no crash', () => {
  const clean = [
    '[    0.000000] Linux version 6.1.0 (gcc 12)',
    '[    1.000000] ODEBUG: selftest passed',
    'WARNING: /etc/ssh/moduli does not exist, using fixed modulus',
    '[    2.000000] [U] [1] INVALID BTF_INFO:72000001',
    '[    3.000000] XFS (loop4): WARNING: Reset corrupted AGFL on AG 0.',
    'Welcome to Debian GNU/Linux 12 (bookworm)!',
    'debian login: ',
  ].join('\n');
  const lines = splitLines(clean);
  assert.equal(containsKernelCrash(lines), false);
  assert.equal(parseKernelReport(lines), undefined);
});

test('the first of two reports is the one reported', () => {
  const log = [
    'BUG: KASAN: use-after-free in first_fn+0x1/0x2',
    'Write of size 8 at addr ffff888000001234 by task a/1',
    'Call Trace:',
    ' first_fn+0x1/0x2',
    'general protection fault: 0000 [#1] SMP',
    'RIP: 0010:second_fn+0x1/0x2',
  ].join('\n');
  const r = parse(log);
  assert.equal(r?.title, 'KASAN: use-after-free Write in first_fn');
  assert.equal(r?.startLine, 1);
});

test('firmware output before the kernel\'s first timestamped line is not a kernel oops', () => {
  const firmware = [
    'U-Boot 2024.04 (Apr 02 2024)',
    'WARNING: Caches not enabled',
    'Starting kernel ...',
    '[    0.000000] Booting Linux on physical CPU 0x0',
    '[    1.000000] Run /init as init process',
  ].join('\n');
  const lines = splitLines(firmware);
  assert.equal(containsKernelCrash(lines), false);
  assert.equal(parseKernelReport(lines), undefined);
  // The same words printed by the kernel after it started are reported, as syzkaller does;
  // without a timestamp among timestamped kernel lines they are still the firmware's.
  assert.equal(parse(`${firmware}\n[    2.000000] WARNING: Caches not enabled\n`)?.title, 'WARNING: Caches not enabled');
  assert.equal(parse(`${firmware}\nWARNING: Caches not enabled\n`), undefined);
});

test('the x86 decompressor banner before the kernel counts as a reboot', () => {
  const log = ['SeaBIOS (version 1.16)', 'Decompressing Linux... Parsing ELF... done.', 'Booting the kernel.', '[    0.000000] Linux version 6.1'].join('\n');
  assert.equal(parse(log)?.title, 'unexpected kernel reboot');
});

test('the caller may say whether the kernel already runs', () => {
  const lines = splitLines('WARNING: Caches not enabled\n');
  // Alone, an untimestamped line is taken as kernel output (syzkaller's logs may lack timestamps).
  assert.equal(parseKernelReport(lines)?.title, 'WARNING: Caches not enabled');
  // A caller that knows the boot is still in firmware gates it; one that knows the kernel runs does not.
  assert.equal(parseKernelReport(lines, { kernelStarted: false }), undefined);
  assert.equal(containsKernelCrash(lines, { kernelStarted: false }), false);
  const fw = splitLines('WARNING: Caches not enabled\n[    0.000000] Booting Linux\n');
  assert.equal(parseKernelReport(fw), undefined);
  assert.equal(parseKernelReport(fw, { kernelStarted: true })?.title, 'WARNING: Caches not enabled');
});

test('kernelOnly leaves out user-space panics; fromLine starts the search at the caller\'s header', () => {
  const log = [
    '[    1.000000] Run /init as init process',
    'tiny-init: fault panic: crashing the kernel through sysrq',
    '[    1.200000] sysrq: Trigger a crash',
    '[    1.200001] Kernel panic - not syncing: sysrq triggered crash',
  ].join('\n');
  const lines = splitLines(log);
  // As syzkaller: a program's "panic:" on the console is a crash of that program.
  assert.equal(parseKernelReport(lines)?.title, 'panic: crashing the kernel through sysrq');
  assert.equal(parseKernelReport(lines, { kernelOnly: true })?.title, 'kernel panic: sysrq triggered crash');
  const fromHeader = parseKernelReport(lines, { fromLine: 4 });
  assert.equal(fromHeader?.title, 'kernel panic: sysrq triggered crash');
  assert.equal(fromHeader?.startLine, 4);
  assert.equal(containsKernelCrash(lines.slice(0, 3), { kernelOnly: true }), false);
});
