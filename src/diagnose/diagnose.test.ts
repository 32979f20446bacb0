import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAUSE_IDS, diagnose, type CauseId, type Evidence, type FindingLike, type FingerprintDiff } from './index.ts';
import type { Finding } from '../signatures/index.ts';
import type { BootOutcome } from '../supervisor/index.ts';
import { evidenceFromBootRecord } from './index.ts';

// diagnose/ reads findings structurally; the compiler checks that a signatures/ Finding fits.
const _fits: (f: Finding) => FindingLike = (f) => f;
void _fits;

// Representative evidence per cause, shaped as the supervisor reports a boot: findings
// (signatures/ rule ids and titles), verdict, QEMU, QMP and what changed since the last
// good boot. The tiny guest's faults (src/faults/catalogue.yaml) are among them.
const f = (id: string, family: string, title: string, severity: FindingLike['severity'] = 'fatal', text = title): FindingLike => ({ id, family, title, severity, evidence: [{ line: 1, text }] });
const same: FingerprintDiff = { kernel: 'same', initrd: 'same', cmdline: 'same', memory: 'same', cpus: 'same', disks: 'same', accel: 'same', details: [] };
const changed = (c: Partial<FingerprintDiff>): FingerprintDiff => ({ ...same, ...c });
const running = { running: true, exitCode: null, signal: null, stderr: '', killedByUs: true };
const tiny = { accel: 'tcg' as const, memoryMiB: 256, qemu: running, qmp: {} };
const incomplete = (phase: string) => f('incomplete-boot', 'incomplete-boot', `boot stopped during ${phase}`, 'error');

export const REPRESENTATIVE: Record<CauseId, Evidence> = {
  transient: { ...tiny, findings: [incomplete('init')], phase: 'init', status: 'stalled', changes: changed({ cmdline: 'changed-other' }) },
  'insufficient-memory': {
    ...tiny, memoryMiB: 80, phase: 'initramfs', status: 'failed', changes: changed({ memory: 'decreased' }),
    findings: [f('oom.no-killable', 'oom', 'out of memory and no killable processes'), f('kernel.panic.oom', 'kernel-panic', 'kernel panic: System is deadlocked on memory')],
  },
  'wrong-cmdline': {
    ...tiny, phase: 'kernel', status: 'failed', changes: changed({ cmdline: 'changed-root', initrd: 'removed' }),
    findings: [f('kernel.panic.vfs-root', 'kernel-panic', 'kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)')],
  },
  'initramfs-corrupt': {
    ...tiny, phase: 'initramfs', status: 'failed', changes: changed({ initrd: 'changed' }),
    findings: [f('kernel.panic.no-init', 'kernel-panic', 'kernel panic: No working init found.')],
  },
  'kernel-missing': {
    accel: 'tcg', memoryMiB: 256, findings: [], phase: 'none', status: 'failed', changes: changed({ kernel: 'missing' }),
    qemu: { running: false, exitCode: 1, signal: null, stderr: 'VM tiny: kernel /cache/vmlinuz: no such file' },
  },
  'bootloader-config': {
    accel: 'tcg', phase: 'bootloader', status: 'failed',
    findings: [f('grub.syntax-error', 'grub', 'GRUB: syntax error in the configuration', 'error'), f('grub.shell-prompt', 'grub', 'GRUB shell prompt: no configuration was loaded')],
  },
  'rootfs-corrupt': {
    accel: 'tcg', phase: 'initramfs', status: 'failed',
    findings: [f('fsck.unexpected-inconsistency', 'fsck', 'fsck: unexpected inconsistency on root; run fsck manually'), f('initramfs.shell-prompt', 'initramfs-shell', 'initramfs emergency shell prompt')],
  },
  'root-device-missing': {
    ...tiny, phase: 'init', status: 'failed', changes: changed({ cmdline: 'changed-other' }),
    findings: [f('initramfs.gave-up-waiting-for-root', 'root-mount', 'initramfs: gave up waiting for root file system device'), f('initramfs.shell-prompt', 'initramfs-shell', 'initramfs emergency shell prompt')],
  },
  'guest-userspace': { ...tiny, findings: [incomplete('initramfs')], phase: 'initramfs', status: 'stalled', changes: changed({ cmdline: 'changed-other' }) },
  'guest-kernel-bug': {
    ...tiny, phase: 'init', status: 'failed', changes: changed({ cmdline: 'changed-other' }), qmp: { GUEST_PANICKED: 1, STOP: 1 },
    findings: [f('kernel.panic.sysrq', 'kernel-panic', 'kernel panic: sysrq triggered crash')],
  },
  'disk-image-corrupt': {
    accel: 'tcg', findings: [], phase: 'none', status: 'failed', integrity: { diskCheck: 'corrupt' },
    qemu: { running: false, exitCode: 1, signal: null, stderr: "qemu-system-x86_64: -drive file=/d.qcow2: qcow2: Image is corrupt; cannot be opened read/write" },
  },
  'host-resources': {
    accel: 'tcg', findings: [], phase: 'none', status: 'failed', host: { memAvailableMiB: 90, memTotalMiB: 4096, load1: 1, cpus: 2, diskFreeMiB: 50000, diskTotalMiB: 100000 },
    qemu: { running: false, exitCode: 1, signal: null, stderr: "qemu-system-x86_64: cannot set up guest memory 'pc.ram': Cannot allocate memory" },
  },
  'accelerator-fault': { accel: 'kvm', findings: [], phase: 'none', status: 'stalled', qemu: running, qmp: {} },
};

for (const cause of CAUSE_IDS) {
  test(`representative evidence of ${cause} ranks it first`, () => {
    const d = diagnose(REPRESENTATIVE[cause]);
    assert.equal(d.causes[0]?.cause, cause, `ranking: ${d.causes.slice(0, 3).map((c) => `${c.cause} ${c.probability.toFixed(3)}`).join(', ')}`);
  });
}

test('the tiny guest faults of the catalogue are diagnosed as their ground truth', () => {
  const cases: [string, CauseId, Evidence][] = [
    ['kill-init', 'guest-userspace', { ...tiny, qmp: { GUEST_PANICKED: 1 }, phase: 'init', status: 'failed', changes: changed({ cmdline: 'changed-other' }), findings: [f('kernel.panic.kill-init', 'kernel-panic', 'kernel panic: Attempted to kill init!')] }],
    ['oom', 'guest-userspace', { ...tiny, qmp: { GUEST_PANICKED: 1 }, phase: 'init', status: 'failed', changes: changed({ cmdline: 'changed-other' }), findings: [f('oom.no-killable', 'oom', 'out of memory and no killable processes'), f('kernel.panic.oom', 'kernel-panic', 'kernel panic: System is deadlocked on memory')] }],
    ['bootloop', 'guest-userspace', { ...tiny, phase: 'init', status: 'failed', qmp: { RESET: 3 }, changes: changed({ cmdline: 'changed-other' }), findings: [f('boot-loop', 'boot-loop', 'boot loop: 3 resets in 120 s', 'fatal')] }],
  ];
  for (const [name, truth, ev] of cases) {
    const d = diagnose(ev);
    assert.equal(d.causes[0]?.cause, truth, `${name}: ${d.causes.slice(0, 3).map((c) => `${c.cause} ${c.probability.toFixed(3)}`).join(', ')}`);
  }
});

test('ambiguous evidence spreads the mass instead of picking a winner', () => {
  // A VFS root panic alone fits a bad root=, a missing disk and a corrupt root alike.
  const d = diagnose({ phase: 'kernel', status: 'failed', findings: [f('kernel.panic.vfs-root', 'kernel-panic', 'kernel panic: VFS: Unable to mount root fs on unknown-block(NUM,NUM)')] });
  const [a, b, c] = d.causes;
  assert.ok(a!.probability < 0.6, `top ${a!.cause} ${a!.probability}`);
  assert.ok(b!.probability > a!.probability / 2, `runner-up ${b!.cause} ${b!.probability}`);
  assert.deepEqual(new Set([a!.cause, b!.cause, c!.cause]), new Set(['root-device-missing', 'wrong-cmdline', 'rootfs-corrupt']));
  // What changed since the last good boot settles it.
  const settled = diagnose({ phase: 'kernel', status: 'failed', changes: changed({ cmdline: 'changed-root' }), findings: d === undefined ? [] : [f('kernel.panic.vfs-root', 'kernel-panic', 'kernel panic: VFS: Unable to mount root fs')] });
  assert.equal(settled.causes[0]?.cause, 'wrong-cmdline');
  assert.ok(settled.causes[0]!.probability > 0.9);
});

test('the explanation names the evidence that moved the top cause, and the versus terms add up', () => {
  const d = diagnose(REPRESENTATIVE['insufficient-memory']);
  const top = d.explanation.evidence[0]!;
  assert.ok(['finding:oom', 'change.memory=decreased', 'memorySize=tiny'].includes(top.evidence), top.evidence);
  assert.ok(top.forTop > 2, `${top.evidence} moved insufficient-memory by ${top.forTop} bits`);
  assert.equal(top.raised[0]?.cause, 'insufficient-memory');
  assert.match(d.explanation.summary, /^insufficient-memory \(\d+\.\d%\)/);
  assert.match(d.explanation.summary, /out of memory|memory/);
  const v = d.explanation.versus;
  assert.equal(v.top, 'insufficient-memory');
  const sum = v.priorBits + v.items.reduce((s, i) => s + i.bits, 0);
  assert.ok(Math.abs(sum - v.posteriorBits) < 0.05 * (v.items.length + 1), `prior ${v.priorBits} + items ≠ posterior ${v.posteriorBits}`);
});

test('with no observation the posterior is the prior and says so', () => {
  const d = diagnose({ findings: [], phase: 'ready', status: 'failed' });
  const total = d.causes.reduce((s, c) => s + c.probability, 0);
  assert.ok(Math.abs(total - 1) < 1e-4);
  assert.equal(d.causes.length, CAUSE_IDS.length);
});

test('progress markers and warnings that good boots also print do not count as failures', () => {
  const ovmf = f('firmware.ovmf.load-failed', 'firmware', 'OVMF: failed to load Boot0001 "UEFI QEMU DVD-ROM": Not Found', 'warning');
  const progress = { ...f('progress.kernel', 'progress', 'Linux version'), severity: 'info' as const };
  const a = diagnose({ phase: 'bootloader', status: 'failed', findings: [ovmf, progress, f('grub.syntax-error', 'grub', 'GRUB: syntax error in the configuration', 'error')] });
  const b = diagnose({ phase: 'bootloader', status: 'failed', findings: [f('grub.syntax-error', 'grub', 'GRUB: syntax error in the configuration', 'error')] });
  assert.deepEqual(a.causes, b.causes);
});

test('retry results move transient: a retry that reached ready points at it, failed retries away from it', () => {
  const base: Evidence = { phase: 'kernel', status: 'failed', findings: [f('kernel.panic.x', 'kernel-panic', 'kernel panic: Fatal exception')] };
  const p = (ev: Evidence) => diagnose(ev).causes.find((c) => c.cause === 'transient')!.probability;
  assert.ok(p({ ...base, retries: ['ready'] }) > 0.5);
  assert.ok(p({ ...base, retries: ['failed-same', 'failed-same'] }) < p(base) / 10);
});

test('a busy host and an empty history do not overturn the diagnosis of a guest fault', () => {
  for (const load1 of [0.5, 12]) {
    const host = { memAvailableMiB: 3000, memTotalMiB: 4000, load1, cpus: 2, diskFreeMiB: 50000, diskTotalMiB: 100000 };
    for (const cause of CAUSE_IDS.filter((c) => c !== 'host-resources')) {
      const d = diagnose({ ...REPRESENTATIVE[cause], host, history: { sameImageFailingVms: 0, hostFailingVms: 0 } });
      assert.equal(d.causes[0]?.cause, cause, `load ${load1}, ${cause}: ${d.causes.slice(0, 3).map((c) => `${c.cause} ${c.probability.toFixed(3)}`).join(', ')}`);
    }
  }
});

test('evidence from a supervisor BootOutcome: QEMU still running at a finding verdict, QMP events counted', () => {
  const outcome = {
    bootId: 'b1', vm: 'tiny', status: 'failed', phase: 'init', reason: 'kernel panic', cause: 'finding',
    findings: [{ id: 'kernel.panic.sysrq', family: 'kernel-panic', title: 'kernel panic: sysrq triggered crash', component: 'kernel', layer: 'guest-kernel', severity: 'fatal', phase: 'init', stopsBoot: true, evidence: [{ line: 9, text: 'Kernel panic - not syncing: sysrq triggered crash' }] }],
    timeline: [], accel: 'tcg', accelReason: 'no kvm', durationMs: 4000, startedAt: '2026-01-01T00:00:00Z', evidence: [],
    qmpEvents: [{ event: 'GUEST_PANICKED', atMs: 4000, data: {} }, { event: 'STOP', atMs: 4001, data: {} }],
    qemu: { pid: 1, exitCode: null, signal: null, stderr: '' }, resets: 0, stallBudget: { learnedFrom: 0, currentPhaseMs: 0 }, runDir: '/tmp', consoleLog: '/tmp/c', imageKey: 'k',
  } satisfies BootOutcome;
  const ev = evidenceFromBootRecord(outcome, 'boot b1', { memoryMiB: 256 });
  assert.deepEqual(ev.qmp, { GUEST_PANICKED: 1, STOP: 1, RESET: 0 });
  assert.equal(ev.qemu?.running, true);
  assert.equal(ev.memoryMiB, 256);
  assert.equal(diagnose(ev).causes[0]?.cause, 'guest-kernel-bug');
});

test('a stored boot that ended interrupted or bootmedic-died is no evidence: one clear error, not a schema message', () => {
  for (const status of ['interrupted', 'bootmedic-died']) {
    assert.throws(
      () => evidenceFromBootRecord({ status, phase: 'kernel', findings: [] }, 'boot b2'),
      (e: Error & { code?: string }) => e.code === 'DIAGNOSE_BAD_EVIDENCE' && e.message === `boot b2: this boot ended ${status} before any verdict; there is nothing to diagnose`,
    );
  }
});
