import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createLineSplitter, splitLines } from '../console/index.ts';
import { analyzeLog, createSignatureEngine, isFailure, stopsBoot } from './index.ts';
import type { Finding } from './index.ts';

const failures = (log: string): Finding[] => analyzeLog(log).findings.filter(isFailure);
const ids = (log: string): string[] => analyzeLog(log).findings.filter((f) => f.family !== 'progress').map((f) => f.id);

const CASES: [string, string, { id: string; family: string; component: string; layer?: string; stops: boolean; title?: RegExp }][] = [
  ['SeaBIOS boot failed', 'SeaBIOS (version 1.16)\nBooting from Hard Disk...\nBoot failed: not a bootable disk\n', { id: 'firmware.seabios.boot-failed', family: 'firmware', component: 'firmware', stops: false, title: /not a bootable disk/ }],
  ['SeaBIOS no bootable device', 'SeaBIOS (version 1.16)\nNo bootable device.  Retrying in 60 seconds.\n', { id: 'firmware.seabios.no-bootable-device', family: 'firmware', component: 'firmware', stops: true }],
  ['OVMF Secure Boot', 'BdsDxe: failed to load Boot0001 "debian" from HD(1,GPT,x)/\\EFI\\BOOT\\BOOTX64.EFI: Access Denied -- rejected probably by Secure Boot\n', { id: 'firmware.ovmf.secure-boot-denied', family: 'secure-boot', component: 'firmware', stops: true }],
  ['shim Secure Boot violation', 'Verification failed: (0x1A) Security Violation\n', { id: 'shim.security-violation', family: 'secure-boot', component: 'bootloader', stops: true }],
  ['OVMF falls back to the EFI Internal Shell', 'BdsDxe: starting Boot0000 "EFI Internal Shell" from Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)/FvFile(7C04A583-9E3E-4F1C-AD65-E05268D0B4D1)\n', { id: 'firmware.ovmf.efi-shell-started', family: 'firmware', component: 'firmware', stops: true }],
  ['GRUB kernel first', 'error: you need to load the kernel first.\n', { id: 'grub.kernel-not-loaded', family: 'grub', component: 'bootloader', stops: false }],
  ['initramfs unpacking', '[    8.4] Initramfs unpacking failed: ZSTD-compressed data is truncated\n', { id: 'kernel.initramfs-unpack-failed', family: 'initramfs', component: 'initramfs', stops: false, title: /ZSTD/ }],
  ['systemd dependency', '[DEPEND] Dependency failed for local-fs.target - Local File Systems.\n', { id: 'systemd.dependency-failed', family: 'systemd', component: 'init', stops: false, title: /local-fs.target/ }],
  ['fsck requires manual', 'The root filesystem on /dev/vda2 requires a manual fsck\n', { id: 'initramfs.manual-fsck', family: 'fsck', component: 'initramfs', stops: true }],
  ['OOM no killable', '[    3.7] Out of memory and no killable processes...\n', { id: 'oom.no-killable', family: 'oom', component: 'kernel', stops: true }],
  ['EFI shell prompt', 'UEFI Interactive Shell v2.2\nShell> ', { id: 'firmware.efi-shell-prompt', family: 'firmware', component: 'firmware', stops: true }],
  ['GRUB unknown filesystem', 'Welcome to GRUB!\nerror: unknown filesystem.\nEntering rescue mode...\ngrub rescue> ', { id: 'grub.unknown-filesystem', family: 'grub', component: 'bootloader', stops: false }],
  ['GRUB no such partition', 'error: no such partition.\n', { id: 'grub.no-such-partition', family: 'grub', component: 'bootloader', stops: false }],
  ['GRUB rescue prompt', 'Entering rescue mode...\ngrub rescue> ', { id: 'grub.rescue-mode', family: 'grub', component: 'bootloader', stops: true }],
  ['initramfs ALERT', 'Loading, please wait...\nALERT!  /dev/sda1 does not exist.  Dropping to a shell!\n', { id: 'initramfs.alert-does-not-exist', family: 'root-mount', component: 'initramfs', layer: 'storage', stops: true, title: /\/dev\/sda1/ }],
  ['dracut emergency', 'dracut-initqueue[300]: Warning: dracut-initqueue: timeout, still waiting for following initqueue hooks:\n', { id: 'dracut.initqueue-timeout', family: 'dracut', component: 'initramfs', stops: false }],
  ['dracut prompt', 'Entering emergency mode. Exit the shell to continue.\n', { id: 'dracut.emergency', family: 'initramfs-shell', component: 'initramfs', stops: true }],
  ['systemd timed out', '[ TIME ] Timed out waiting for device dev-vdb1.device - /dev/vdb1.\n', { id: 'systemd.timed-out-device', family: 'systemd', component: 'init', layer: 'storage', stops: false, title: /dev-vdb1/ }],
  ['systemd failed mount', '[FAILED] Failed to mount srv.mount - /srv.\n', { id: 'systemd.mount-failed', family: 'systemd', component: 'init', stops: false }],
  ['systemd emergency', 'You are in emergency mode. After logging in, type "journalctl -xb" to view\n', { id: 'systemd.emergency-mode', family: 'systemd-emergency', component: 'init', stops: true }],
  ['fsck manual', 'systemd-fsck[200]: /dev/vda1: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.\n', { id: 'fsck.unexpected-inconsistency', family: 'fsck', component: 'storage', stops: true, title: /\/dev\/vda1/ }],
  ['OOM kill', '[   5.000000] Out of memory: Killed process 321 (systemd-udevd) total-vm:1kB, anon-rss:1kB\n', { id: 'oom.killed-process', family: 'oom', component: 'kernel', layer: 'resources', stops: false, title: /systemd-udevd/ }],
  ['OOM killer invoked', '[   1.281303] kworker/u4:1 invoked oom-killer: gfp_mask=0x140cc2(GFP_HIGHUSER|__GFP_COMP), order=0\n', { id: 'oom.invoked', family: 'oom', component: 'kernel', layer: 'resources', stops: false, title: /kworker\/u4:1/ }],
  ['KVM internal error', 'KVM internal error. Suberror: 1\nemulation failure\n', { id: 'hypervisor.kvm-internal-error', family: 'hypervisor', component: 'hypervisor', stops: true }],
  ['QEMU drive', "qemu-system-x86_64: -drive file=/x.qcow2,if=virtio: Could not open '/x.qcow2': No such file or directory\n", { id: 'hypervisor.drive-open-failed', family: 'hypervisor', component: 'hypervisor', layer: 'storage', stops: true }],
  ['vmware monitor panic', '2024-01-01T10:00:00.000Z| vcpu-0| I125: MONITOR PANIC: vcpu-0:VMM64 fault 14: src=MONITOR rip=0xfffffffffc2a1234 regs=0xfffffffffc008000\n', { id: 'hypervisor.vmware.monitor-panic', family: 'hypervisor', component: 'hypervisor', stops: true }],
  ['vmware triple fault', '2024-01-01T10:00:00.000Z| vcpu-0| I125: Triple fault.\n', { id: 'hypervisor.triple-fault', family: 'hypervisor', component: 'hypervisor', stops: true }],
];

for (const [name, log, want] of CASES) {
  test(`family: ${name}`, () => {
    const f = analyzeLog(log).findings.find((x) => x.id === want.id);
    assert.ok(f, `${want.id} not found in ${JSON.stringify(ids(log))}`);
    assert.equal(f.family, want.family);
    assert.equal(f.component, want.component);
    if (want.layer !== undefined) assert.equal(f.layer, want.layer);
    assert.equal(f.stopsBoot, want.stops);
    if (want.title !== undefined) assert.match(f.title, want.title);
    assert.ok(f.source !== undefined && f.source.length > 3);
    assert.ok(f.evidence[0]!.line >= 1);
  });
}

test('vmware WinBSOD decodes the stop code 0x3B to SYSTEM_SERVICE_EXCEPTION', () => {
  const f = analyzeLog('2024-01-01T10:00:00.000Z| vcpu-1| I125: WinBSOD: Synthetic MSR[0x40000100] 0x3b\n').findings.find((x) => x.family === 'windows-bugcheck');
  assert.equal(f?.stopCode?.name, 'SYSTEM_SERVICE_EXCEPTION');
  assert.equal(f?.title, 'Windows stop SYSTEM_SERVICE_EXCEPTION (0x0000003B)');
});

test('vmware WinBSOD parameter lines complete the stop code', () => {
  const log = ['I125: x', '0x3b', '0x00000000c0000005', '0xfffff80312345678', '0xffffd000aabbcc00', '0x0']
    .map((v, i) => (i === 0 ? '' : `2024-01-01T10:00:00.00${i}Z| vcpu-1| I125: WinBSOD: Synthetic MSR[0x4000010${i - 1}] ${v}`)).slice(1).join('\n');
  const f = analyzeLog(`${log}\n2024-01-01T10:00:01.000Z| vmx| I125: Guest operating system crash detected.\n`).findings;
  const b = f.find((x) => x.family === 'windows-bugcheck');
  assert.equal(b?.stopCode?.name, 'SYSTEM_SERVICE_EXCEPTION');
  assert.deepEqual(b?.stopCode?.params, ['0xC0000005', '0xFFFFF80312345678', '0xFFFFD000AABBCC00', '0x00000000']);
  assert.equal(b?.evidence.length, 5);
  assert.ok(f.some((x) => x.id === 'hypervisor.vmware.guest-crash'));
});

test('a Windows STOP screen line decodes code and parameters', () => {
  const f = analyzeLog('*** STOP: 0x0000007B (0xF78D2524,0xC0000034,0x00000000,0x00000000)\n').findings.find((x) => x.family === 'windows-bugcheck');
  assert.equal(f?.stopCode?.name, 'INACCESSIBLE_BOOT_DEVICE');
  assert.deepEqual(f?.stopCode?.params, ['0xF78D2524', '0xC0000034', '0x00000000', '0x00000000']);
});

test('kernel panic is fatal and stops the boot; WARNING does not', () => {
  const log = 'Linux version 6.1\n[    1.0] WARNING: CPU: 0 PID: 1 at drivers/foo.c:12 foo_probe+0x1a/0x40\n[    1.1] Modules linked in:\n[    1.1] RIP: 0010:foo_probe+0x1a/0x40\n[    1.1] Call Trace:\n[    1.1]  <TASK>\n[    1.1]  really_probe+0x1a/0x40\n[    1.1]  do_one_initcall+0x1a/0x40\n[    1.1]  </TASK>\n[    1.2] ---[ end trace 0000000000000000 ]---\n[    2.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n';
  const fs = analyzeLog(log).findings.filter((f) => f.family !== 'progress');
  const w = fs.find((f) => f.family === 'warning');
  const p = fs.find((f) => f.family === 'kernel-panic');
  assert.equal(w?.severity, 'warning');
  assert.equal(w?.stopsBoot, false);
  assert.match(w?.title ?? '', /WARNING in foo_probe/);
  assert.equal(p?.severity, 'fatal');
  assert.equal(p?.stopsBoot, true);
  assert.equal(p?.id, 'kernel.panic.vfs-root');
  assert.match(p?.title ?? '', /VFS: Unable to mount root fs on unknown-block\(NUM,NUM\)/);
});

test('a kernel BUG report is titled through the kernel-report parser over a window', () => {
  const log = [
    'Linux version 6.1',
    '[   3.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010',
    '[   3.000001] #PF: supervisor read access in kernel mode',
    '[   3.000002] RIP: 0010:foo_bar+0x12/0x40',
    '[   3.000003] Call Trace:',
    '[   3.000004]  <TASK>',
    '[   3.000005]  foo_bar+0x12/0x40',
    '[   3.000006]  do_one_initcall+0x10/0x20',
    '[   3.000007]  </TASK>',
    '[   3.000008] ---[ end trace 0000000000000000 ]---',
  ].join('\n');
  const f = analyzeLog(`${log}\n`).findings.find((x) => x.id === 'kernel.bug');
  assert.ok(f);
  assert.match(f.title, /NULL pointer dereference/);
  assert.equal(f.severity, 'error');
  assert.equal(f.stopsBoot, false);
  assert.equal(f.evidence[0]?.line, 2);
});

test('streaming: a panic is returned by the push of its own line', () => {
  const e = createSignatureEngine();
  const lines = splitLines('Linux version 6.1\n[ 1.0] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n');
  assert.deepEqual(e.push(lines[0]!).map((f) => f.id), ['phase.kernel']);
  assert.deepEqual(e.push(lines[1]!).map((f) => f.id), ['kernel.panic.kill-init']);
  assert.deepEqual(e.end(), []);
});

test('streaming: a prompt without newline is found by partial() and reported once', () => {
  const e = createSignatureEngine();
  const got: Finding[] = [];
  const s = createLineSplitter({ onLine: (l) => got.push(...e.push(l)), onPartial: (t, at) => got.push(...e.partial(t, at)), now: () => 7 });
  s.push('Loading, please wait...\nALERT!  UUID=x does not exist.  Dropping to a shell!\n(initra');
  s.push('mfs) ');
  s.push('\x1b[6n');
  s.push('ls\n(initramfs) ');
  const prompts = got.filter((f) => f.id === 'initramfs.shell-prompt');
  assert.equal(prompts.length, 1);
  assert.equal(prompts[0]?.evidence[0]?.line, 3);
  assert.equal(prompts[0]?.atMs, 7);
});

test('end() names the phase and last line of a log that stops without an error', () => {
  const r = analyzeLog('SeaBIOS (version 1)\nBooting from Hard Disk...\nLinux version 6.1\n[ 1.0] Run /init as init process\nBegin: Running /scripts/init-bottom ... done.\n');
  const f = r.findings.find((x) => x.id === 'incomplete-boot');
  assert.equal(f?.phase, 'initramfs');
  assert.equal(f?.title, 'boot stopped during initramfs; last line: Begin: Running /scripts/init-bottom ... done.');
  assert.equal(f?.evidence[0]?.line, 5);
  assert.equal(r.lastPhase, 'initramfs');
});

test('no incomplete-boot when ready was seen, or when a fatal finding explains the stop', () => {
  assert.deepEqual(failures('Linux version 6.1\nsystemd[1]: foo\n[  OK  ] Reached target multi-user.target - Multi-User System.\n'), []);
  assert.deepEqual(failures('debian login: '), []);
  const r = analyzeLog('grub rescue> ');
  assert.deepEqual(r.findings.filter(isFailure).map((f) => f.id), ['grub.rescue-prompt']);
});

test('custom ready matchers replace the defaults', () => {
  const r = analyzeLog('Linux version 6.1\nREADY-42\n', { ready: [/^READY-\d+$/] });
  assert.equal(r.lastPhase, 'ready');
  const r2 = analyzeLog('Linux version 6.1\nhost login: \n', { ready: ['READY'] });
  assert.ok(r2.findings.some((f) => f.id === 'incomplete-boot'));
});

test('a reboot (firmware banner after the kernel) starts the judgement afresh', () => {
  const r = analyzeLog('SeaBIOS (version 1)\nLinux version 6.1\n[ 1.0] Kernel panic - not syncing: Fatal exception\nSeaBIOS (version 1)\nLinux version 6.1\nvm login: \n');
  assert.equal(r.lastPhase, 'ready');
  assert.ok(r.findings.some((f) => f.id === 'kernel.panic.fatal-exception' && stopsBoot(f)));
  assert.equal(r.findings.filter((f) => f.id === 'incomplete-boot').length, 0);
});

test('firmware WARNING lines before the kernel are not kernel reports', () => {
  const r = analyzeLog('SeaBIOS (version 1)\nWARNING: RO_VPD is uninitialized or empty.\nLinux version 6.1\nvm login: \n');
  assert.deepEqual(r.findings.filter((f) => f.family === 'warning'), []);
});

test('benign lines of a good boot are not failures', () => {
  assert.deepEqual(failures('BdsDxe: failed to load Boot0001 "UEFI QEMU DVD-ROM QM00005 " from PciRoot(0x0): Not Found\nWelcome to GRUB!\nerror: no suitable video mode found.\nLinux version 6.1\nvm login: '), []);
});

test('a flooding rule is capped per boot', () => {
  const log = 'Linux version 6.1\n' + '[ 1.0] Out of memory: Killed process 1 (a) total-vm:1kB\n'.repeat(50) + 'vm login: ';
  assert.equal(analyzeLog(log).findings.filter((f) => f.id === 'oom.killed-process').length, 5);
});

test('a kernel panic glued to a login prompt is still found', () => {
  const r = analyzeLog('Linux version 6.1\nvm login: [   25.100000] Kernel panic - not syncing: sysrq triggered crash\n');
  assert.equal(r.findings.find((f) => f.family === 'kernel-panic')?.id, 'kernel.panic.sysrq');
});

test('an out-of-range stop code still gives a readable title', () => {
  const f = analyzeLog('2024-01-01T00:00:00.000Z| vcpu-0| I125: WinBSOD: Synthetic MSR[0x40000100] 0xdeadbeefcafe\n').findings.find((x) => x.family === 'windows-bugcheck');
  assert.equal(f?.title, 'Windows stop UNKNOWN_BUGCHECK (0xdeadbeefcafe)');
});

test('kept findings do not keep the decoded console blocks their lines were cut from alive', () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // 150 boots of ~64 KiB each, one panic per boot: without copying, each finding's
  // evidence (a slice of its 64 KiB block) would keep its block, ~10 MB in all.
  const filler = Array.from({ length: 900 }, (_, i) => `[    1.${String(i).padStart(6, '0')}] pci 0000:00:01.0: filler line ${i}`).join('\n');
  const boot = `SeaBIOS (version 1.16)\n${filler}\n[    2.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n`;
  const log = Buffer.from(boot.repeat(150));
  gc();
  const before = process.memoryUsage().heapUsed;
  const { findings } = analyzeLog(log);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  const panics = findings.filter((f) => f.family === 'kernel-panic');
  assert.equal(panics.length, 150);
  assert.ok(grown < 4 * 1024 * 1024, `the findings hold ${(grown / 1048576).toFixed(1)} MB of heap`);
});
