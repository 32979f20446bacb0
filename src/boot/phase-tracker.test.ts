import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMIT } from '../core/index.ts';
import type { Finding } from '../signatures/index.ts';
import { createPhaseTracker, type TrackerEvent } from './phase-tracker.ts';
import { learnStallBudget } from './stall-budget.ts';

const noHistory = learnStallBudget([], { defaultSeconds: 10, floorSeconds: 1, factor: 2, percentile: 95 });
const make = (budget = noHistory) => {
  const t = createPhaseTracker({ ready: { type: 'marker', text: 'bootmedic-ready' }, budget, bootLoop: { resets: 3, windowSeconds: 60 } });
  const events: TrackerEvent[] = [];
  t.onEvent((e) => events.push(e));
  return { t, events };
};
const progress = (phase: Finding['phase'], atMs: number, line: number): Finding => ({
  id: `phase.${phase}`, family: 'progress', title: `entered ${phase}`, component: 'kernel', layer: 'guest-kernel', severity: 'info',
  phase, stopsBoot: false, evidence: [{ line, text: `marker for ${phase}` }], atMs,
});
const panic = (atMs: number): Finding => ({
  id: 'kernel.panic', family: 'kernel-panic', title: 'Kernel panic - not syncing: sysrq triggered crash', component: 'kernel', layer: 'guest-kernel',
  severity: 'fatal', phase: 'init', stopsBoot: true, evidence: [{ line: 40, text: 'Kernel panic - not syncing: sysrq triggered crash' }], atMs,
});

test('progress markers build the timeline and the ready marker ends the boot as ready', () => {
  const { t, events } = make();
  t.finding(progress('kernel', 100, 1));
  t.finding(progress('initramfs', 1500, 30));
  t.finding(progress('kernel', 1600, 31)); // never backwards
  t.line(42, 'bootmedic-ready', 'bootmedic-ready', 2000);
  assert.deepEqual(t.timeline().map((e) => e.phase), ['firmware', 'kernel', 'initramfs', 'ready']);
  const v = t.verdict();
  assert.equal(v?.status, 'ready');
  assert.equal(v?.atMs, 2000);
  assert.equal(events.filter((e) => e.type === 'verdict').length, 1);
});

test('a boot-stopping finding fails the boot at once, with its title as the reason', () => {
  const { t } = make();
  t.finding(progress('kernel', 100, 1));
  t.finding(panic(900));
  assert.equal(t.verdict()?.status, 'failed');
  assert.equal(t.verdict()?.reason, 'Kernel panic - not syncing: sysrq triggered crash');
  assert.equal(t.verdict()?.atMs, 900);
  assert.equal(t.verdict()?.phase, 'kernel');
  t.line(50, 'bootmedic-ready', 'bootmedic-ready', 1000);
  assert.equal(t.verdict()?.status, 'failed', 'the first verdict stands');
});

test('GUEST_PANICKED fails the boot and names the action', () => {
  const { t } = make();
  t.qmp('GUEST_PANICKED', { action: 'pause' }, 500);
  assert.match(t.verdict()!.reason, /GUEST_PANICKED, action pause/);
  assert.equal(t.verdict()?.cause, 'guest-panicked');
});

test('three guest resets inside the window are a boot loop', () => {
  const { t, events } = make();
  t.line(1, 'x', 'x', 900);
  t.qmp('RESET', { guest: true, reason: 'guest-reset' }, 1000);
  t.line(2, 'x', 'x', 1900);
  t.qmp('RESET', { guest: true, reason: 'guest-reset' }, 2000);
  assert.equal(t.verdict(), undefined);
  t.line(3, 'x', 'x', 2900);
  t.qmp('RESET', { guest: true, reason: 'guest-reset' }, 3000);
  assert.equal(t.verdict()?.cause, 'boot-loop');
  assert.equal(t.findings()[0]?.family, 'boot-loop');
  assert.equal(t.findings()[0]?.phase, 'firmware', 'each reset restarts at the firmware');
  assert.equal(events.filter((e) => e.type === 'reset').length, 3);
});

test('a burst of RESET events from one guest reboot counts once', () => {
  const { t, events } = make();
  t.line(1, 'x', 'x', 4000);
  for (const at of [5000, 5010, 5080, 5090]) t.qmp('RESET', { guest: true, reason: 'guest-reset' }, at);
  assert.equal(events.filter((e) => e.type === 'reset').length, 1);
  assert.equal(t.verdict(), undefined);
});

test('a reset we asked for (guest false) is not counted', () => {
  const { t } = make();
  for (const at of [1, 2, 3, 4]) t.qmp('RESET', { guest: false, reason: 'host-qmp-system-reset' }, at);
  assert.equal(t.verdict(), undefined);
});

test('no phase progress past the budget is a stall; progress restarts the clock', () => {
  const { t } = make();
  t.tick(9000);
  assert.equal(t.verdict(), undefined);
  t.finding(progress('kernel', 9500, 1));
  t.tick(19000);
  assert.equal(t.verdict(), undefined, 'the kernel phase began at 9.5 s');
  t.tick(19600);
  assert.equal(t.verdict()?.status, 'stalled');
  assert.match(t.verdict()!.reason, /phase kernel.*default, no good boot known/);
});

test('QEMU exiting before a verdict is a failure; after stopping() it is not', () => {
  const a = make();
  a.t.exit({ code: 1, signal: null, reason: 'qemu: could not load kernel' }, 50);
  assert.equal(a.t.verdict()?.cause, 'qemu-exit');
  assert.match(a.t.verdict()!.reason, /could not load kernel/);
  const b = make();
  b.t.stopping();
  b.t.exit({ code: 0, signal: null, reason: 'quit' }, 50);
  assert.equal(b.t.verdict(), undefined);
});

test('a guest power-off before ready is a failure, after ready it is not', () => {
  const a = make();
  a.t.qmp('SHUTDOWN', { guest: true, reason: 'guest-shutdown' }, 100);
  assert.equal(a.t.verdict()?.cause, 'guest-shutdown');
  const b = make();
  b.t.line(1, 'bootmedic-ready', 'bootmedic-ready', 10);
  b.t.qmp('SHUTDOWN', { guest: true, reason: 'guest-shutdown' }, 100);
  assert.equal(b.t.verdict()?.status, 'ready');
});

test('the login ready signal matches the unterminated prompt', () => {
  const t = createPhaseTracker({ ready: { type: 'login' }, budget: noHistory, bootLoop: { resets: 3, windowSeconds: 60 } });
  t.partial('imgprobe login', 10);
  assert.equal(t.verdict(), undefined);
  t.partial('imgprobe login: ', 20);
  assert.equal(t.verdict()?.status, 'ready');
});

test('a long phase that keeps printing novel lines stretches its budget; a repeating line does not', () => {
  const a = make();
  a.t.finding(progress('kernel', 0, 1));
  for (let i = 0; i < 25; i++) a.t.line(i + 2, `probe device ${'abcdefghijklmnopqrstuvwxyz'[i]}`, `probe device ${'abcdefghijklmnopqrstuvwxyz'[i]}`, 10_000 + i * 500);
  a.t.tick(22_000);
  assert.equal(a.t.verdict(), undefined, 'novel lines until 22 s: slow, not stalled');
  a.t.tick(26_000);
  assert.equal(a.t.verdict()?.status, 'stalled', 'quiet for 3.5 s past the budget');

  const b = make();
  b.t.finding(progress('kernel', 0, 1));
  for (let i = 0; i < 25; i++) b.t.line(i + 2, `Begin: Running /scripts/local-block ... done. ${i}`, `Begin: Running /scripts/local-block ... done. ${i}`, 10_000 + i * 500);
  b.t.tick(13_100);
  assert.equal(b.t.verdict()?.status, 'stalled', 'a line repeating with new numbers is no progress');

  const c = make();
  c.t.finding(progress('kernel', 0, 1));
  for (let i = 0; i < 100; i++) c.t.line(i + 2, `novel ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`, `novel ${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`, i * 400);
  c.t.tick(30_100);
  assert.equal(c.t.verdict()?.status, 'stalled', 'the stretch ends at 3× the budget');
});

test('a wait the guest announces with its limit holds the stall clock until the limit, then the budget runs again', () => {
  const a = make();
  a.t.finding(progress('init', 0, 1));
  // systemd waits 90 s for a device and says so; the budget is 10 s.
  for (let s = 1; s <= 60; s++) a.t.line(s + 1, `A start job is running for /dev/disk/by-uuid/1111 (${s}s / 1min 30s)`, `A start job is running for /dev/disk/by-uuid/1111 (${s}s / 1min 30s)`, s * 1000);
  a.t.tick(85_000);
  assert.equal(a.t.verdict(), undefined, 'inside the announced 90 s: not stalled');
  assert.ok(a.t.msUntilStall(85_000) > 10_000, 'the supervisor timer is pushed past the announced end');
  a.t.tick(99_000);
  assert.equal(a.t.verdict(), undefined, 'the budget restarts at the end of the wait');
  a.t.tick(101_000);
  assert.equal(a.t.verdict()?.status, 'stalled', 'nothing after the wait ended: stalled');
  assert.match(a.t.verdict()!.reason, /after the end of an announced wait/);

  const b = make();
  b.t.finding(progress('init', 0, 1));
  for (let s = 1; s <= 30; s++) b.t.line(s + 1, `A start job is running for network (${s}s / no limit)`, `A start job is running for network (${s}s / no limit)`, s * 1000);
  b.t.tick(11_000);
  assert.equal(b.t.verdict()?.status, 'stalled', 'a wait without a limit holds nothing');
});

test("GRUB's 'Press any key to continue...' prompt holds the clock for GRUB's own 10 s wait", () => {
  const a = make();
  a.t.finding(progress('bootloader', 0, 1));
  a.t.line(2, "error: you need to load the kernel first.", "error: you need to load the kernel first.", 1000);
  a.t.partial('Press any key to continue...', 1000);
  a.t.partial('Press any key to continue...', 5000);
  a.t.tick(19_000);
  assert.equal(a.t.verdict(), undefined, 'inside 10 s wait + 10 s budget');
  a.t.tick(21_100);
  assert.equal(a.t.verdict()?.status, 'stalled', 'the repeated partial did not extend the hold');

  const b = make();
  b.t.finding(progress('bootloader', 0, 1));
  b.t.partial('Press Enter to continue', 1000);
  b.t.tick(10_100);
  assert.equal(b.t.verdict()?.status, 'stalled', 'other prompts hold nothing');
});

test('the firmware phase after a guest reset gets the budget of a whole good boot', () => {
  const budget = { perPhase: { firmware: 3000, kernel: 3000, init: 3000 }, fallbackMs: 12_000, learnedFrom: 1 };
  const a = make(budget);
  a.t.tick(2900);
  assert.equal(a.t.verdict(), undefined);
  a.t.finding(progress('kernel', 2900, 1));
  a.t.line(2, 'reboot: Restarting system', 'reboot: Restarting system', 4000);
  a.t.qmp('RESET', { guest: true, reason: 'guest-reset' }, 4000);
  a.t.tick(4000 + 8000);
  assert.equal(a.t.verdict(), undefined, '8 s in firmware after a reset: within a whole boot');
  a.t.tick(4000 + 12_100);
  assert.equal(a.t.verdict()?.status, 'stalled', 'past a whole good boot');

  const b = make(budget);
  b.t.tick(3100);
  assert.equal(b.t.verdict()?.status, 'stalled', "a first boot's firmware phase keeps its own budget");
});

test('a boot keeps at most FINDINGS_PER_BOOT_MAX findings; a stopping one past the bound still fails the boot', () => {
  const { t, events } = make();
  const warning = (i: number): Finding => ({ ...panic(i), id: `w.${i}`, family: 'warning', severity: 'warning', stopsBoot: false, title: `warning ${i}` });
  for (let i = 0; i < LIMIT.FINDINGS_PER_BOOT_MAX + 5; i++) t.finding(warning(i));
  assert.equal(t.findings().length, LIMIT.FINDINGS_PER_BOOT_MAX);
  assert.equal(events.filter((e) => e.type === 'finding').length, LIMIT.FINDINGS_PER_BOOT_MAX);
  t.finding(panic(5000));
  assert.equal(t.verdict()?.status, 'failed');
});
