// The recorded consoles and the fault catalogue agree: analysing each fault's real console
// offline yields the finding the catalogue expects (faults decided by QMP or by time —
// boot loops, stalls — are checked by test/boot-faults.test.ts on real QEMU instead).
// The Debian faults were recorded under bootmedic's supervisor (scripts/record-consoles.ts
// --guest debian): the verdict it reached is kept in the recording's meta, and replaying a
// failed boot's console and QMP events through the supervisor reaches the same verdict.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseVmSpec } from '../src/config/index.ts';
import { createPhaseTracker, learnStallBudget, type StallBudget } from '../src/boot/index.ts';
import { loadCatalogue, type Fault } from '../src/faults/index.ts';
import type { Hypervisor } from '../src/hypervisor/index.ts';
import { analyzeLog } from '../src/signatures/index.ts';
import { createConsoleFeed, superviseVm } from '../src/supervisor/index.ts';
import { createReplayVm, loadRecording, recordingPath, type Recording } from './console-replayer.ts';

const logOf = (name: string) => recordingPath(name).replace(/\.jsonl$/, '.log');

for (const fault of loadCatalogue().filter((f) => f.expected.outcome === 'failed' && f.expected.family !== 'boot-loop' && f.expected.error === undefined)) {
  test(`recorded ${fault.name} console shows ${fault.expected.finding ?? fault.expected.family}`, { skip: existsSync(logOf(fault.name)) ? false : `testkit/consoles/${fault.name}.log not recorded` }, () => {
    const r = analyzeLog(readFileSync(logOf(fault.name)));
    const fatal = r.findings.filter((f) => f.stopsBoot);
    assert.ok(fatal.length > 0, 'a finding that stops the boot');
    assert.ok(r.findings.some((f) => f.family === fault.expected.family), `families: ${r.findings.map((f) => f.family).join(', ')}`);
    if (fault.expected.finding) assert.ok(r.findings.some((f) => f.id === fault.expected.finding), `ids: ${r.findings.map((f) => f.id).join(', ')}`);
  });
}

test('the recorded good boot has no finding that stops a boot, and reaches ready', { skip: existsSync(logOf('good')) ? false : 'good.log not recorded' }, () => {
  const r = analyzeLog(readFileSync(logOf('good')));
  assert.deepEqual(r.findings.filter((f) => f.stopsBoot), []);
  assert.equal(r.lastPhase, 'ready');
});

type Observed = { status: string; families: string[]; findings: string[]; qmpEvents: string[] };

/** What the catalogue expects that `seen` lacks (an empty list when it matches). */
function unmet(fault: Fault, seen: Observed): string[] {
  const e = fault.expected;
  return [
    ...(seen.status === e.outcome ? [] : [`status ${seen.status}, not ${e.outcome}`]),
    ...(seen.families.includes(e.family) ? [] : [`no ${e.family} in ${seen.families.join(', ')}`]),
    ...(e.finding === undefined || seen.findings.includes(e.finding) ? [] : [`no ${e.finding} in ${seen.findings.join(', ')}`]),
    ...(e.qmpEvent === undefined || seen.qmpEvents.includes(e.qmpEvent) ? [] : [`no QMP ${e.qmpEvent} in ${seen.qmpEvents.join(', ')}`]),
  ];
}

const supervised = (name: string): Recording | undefined => {
  if (!existsSync(recordingPath(name))) return undefined;
  const rec = loadRecording(name);
  return rec.meta['observed'] !== undefined ? rec : undefined;
};

for (const fault of loadCatalogue().filter((f) => f.guests.includes('debian'))) {
  const rec = supervised(fault.name);
  const skip = rec === undefined ? `testkit/consoles/${fault.name}.jsonl not recorded under the supervisor` : false;

  test(`recorded ${fault.name}: the supervisor's live verdict was ${fault.expected.outcome}, ${fault.expected.finding ?? fault.expected.family}`, { skip }, () => {
    assert.deepEqual(unmet(fault, rec!.meta['observed'] as Observed), []);
    // The QMP events the verdict names are in the recording itself, not only in its meta.
    if (fault.expected.qmpEvent !== undefined) assert.ok(rec!.events.some((e) => e.type === 'qmp' && e.event === fault.expected.qmpEvent));
  });

  if (fault.expected.outcome !== 'failed') continue;
  test(`recorded ${fault.name} replayed through the supervisor fails the same way`, { skip }, async () => {
    const home = mkdtempSync(join(tmpdir(), 'bm-consoles-'));
    const hypervisor: Hypervisor = {
      probeAccel: async () => ({ accel: 'tcg', reason: 'replay' }),
      async launch() {
        const vm = createReplayVm(rec!);
        setImmediate(() => void vm.play());
        return vm;
      },
    };
    try {
      const spec = parseVmSpec({ name: `replay-${fault.name}`, guest: 'debian', firmware: 'uefi', accel: 'tcg', ready: { type: 'login' }, stall: { defaultSeconds: 300 } }, 'test', home);
      const [o] = await superviseVm(spec, { hypervisor, home }, { mode: 'once' });
      assert.ok(o, 'an outcome');
      const seen = { status: o.status, families: o.findings.map((f) => f.family), findings: o.findings.map((f) => f.id), qmpEvents: o.qmpEvents.map((q) => q.event) };
      assert.deepEqual(unmet(fault, seen), [], o.reason);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
}

/** Replays a recording into the console feed and a phase tracker on the recording's own clock (a stall tick at every arrival, as the supervisor's timer would). */
function replayOnItsClock(name: string, budget: StallBudget) {
  const rec = loadRecording(name);
  const tracker = createPhaseTracker({ ready: { type: 'login' }, budget, bootLoop: { resets: 3, windowSeconds: 300 } });
  let at = 0;
  const feed = createConsoleFeed(tracker, () => at);
  for (const ev of rec.events) {
    if (tracker.verdict() !== undefined) break;
    at = ev.atMs;
    tracker.tick(at);
    if (ev.type === 'console') feed.push(ev.chunk);
  }
  return tracker;
}

const recorded = (name: string) => (existsSync(recordingPath(name)) ? false : `testkit/consoles/${name}.jsonl not recorded`);

// systemd announces the device wait of fstab-missing-device with its limit ("(1min 23s /
// 1min 30s)"); the emergency mode that proves the cause comes only after that limit. Under
// the Debian example's own 90 s budget it must still end failed with that evidence, not
// stalled while systemd is counting down.
test('recorded debian-fstab-missing-device on its own clock under a 90 s budget: the announced device wait is not a stall', { skip: recorded('debian-fstab-missing-device') }, () => {
  const tracker = replayOnItsClock('debian-fstab-missing-device', learnStallBudget([], { defaultSeconds: 90, floorSeconds: 5, factor: 2, percentile: 95 }));
  const v = tracker.verdict();
  assert.equal(v?.status, 'failed', v?.reason);
  assert.equal(v?.finding?.id, 'systemd.emergency-mode', v?.reason);
  assert.ok(tracker.timeline().some((p) => p.phase === 'init' && v!.atMs - p.atMs > 90_000), 'the recording does spend more than the 90 s budget in init');
});

// GRUB waits 10 s at "Press any key to continue..." before it says it failed to boot both
// entries. A CI run learned a 9.7 s bootloader budget from one good boot and called this
// boot stalled during that wait; on its own clock, with that budget, it must fail with
// GRUB's message.
test('recorded debian-grub-kernel-file-missing on its own clock under a 9.7 s learned bootloader budget: GRUB\'s key wait is not a stall', { skip: recorded('debian-grub-kernel-file-missing') }, () => {
  const tracker = replayOnItsClock('debian-grub-kernel-file-missing', { perPhase: { firmware: 12_000, bootloader: 9_700 }, fallbackMs: 60_000, learnedFrom: 1 });
  const v = tracker.verdict();
  assert.equal(v?.status, 'failed', v?.reason);
  assert.equal(v?.finding?.family, 'grub', v?.reason);
  assert.ok(tracker.timeline().some((p) => p.phase === 'bootloader' && v!.atMs - p.atMs > 9_700), 'the recording does spend more than 9.7 s in the bootloader');
});
