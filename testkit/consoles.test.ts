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
import { createPhaseTracker, learnStallBudget } from '../src/boot/index.ts';
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

// systemd announces the device wait of fstab-missing-device with its limit ("(1min 23s /
// 1min 30s)"); the emergency mode that proves the cause comes only after that limit. Under
// the Debian example's own 90 s budget, a replay with the recording's own clock (a stall
// tick at every arrival, as the supervisor's timer would) must still end failed with that
// evidence, not stalled while systemd is counting down.
test('recorded debian-fstab-missing-device on its own clock under a 90 s budget: the announced device wait is not a stall', { skip: existsSync(recordingPath('debian-fstab-missing-device')) ? false : 'testkit/consoles/debian-fstab-missing-device.jsonl not recorded' }, () => {
  const rec = loadRecording('debian-fstab-missing-device');
  const tracker = createPhaseTracker({ ready: { type: 'login' }, budget: learnStallBudget([], { defaultSeconds: 90, floorSeconds: 5, factor: 2, percentile: 95 }), bootLoop: { resets: 3, windowSeconds: 300 } });
  let at = 0;
  const splitter = createConsoleFeed(tracker, () => at);
  for (const ev of rec.events) {
    if (tracker.verdict() !== undefined) break;
    at = ev.atMs;
    tracker.tick(at);
    if (ev.type === 'console') splitter.push(ev.chunk);
  }
  const v = tracker.verdict();
  assert.equal(v?.status, 'failed', v?.reason);
  assert.equal(v?.finding?.id, 'systemd.emergency-mode', v?.reason);
  assert.ok(tracker.timeline().some((p) => p.phase === 'init' && v!.atMs - p.atMs > 90_000), 'the recording does spend more than the 90 s budget in init');
});

// shim's Secure Boot refusal is an ERROR dialog drawn row by row with cursor moves and no
// newline, after which shim waits for a key. Fed in the recording's own pieces, the verdict
// must come with the piece that completes the message row, not when the box (or the boot) ends.
test('recorded debian-sb-tampered-grub: the shim dialog fails the boot when its message row arrives', { skip: existsSync(recordingPath('debian-sb-tampered-grub')) ? false : 'testkit/consoles/debian-sb-tampered-grub.jsonl not recorded' }, () => {
  const rec = loadRecording('debian-sb-tampered-grub');
  const tracker = createPhaseTracker({ ready: { type: 'login' }, budget: learnStallBudget([], { defaultSeconds: 120, floorSeconds: 5, factor: 2, percentile: 95 }), bootLoop: { resets: 3, windowSeconds: 300 } });
  let at = 0;
  const feed = createConsoleFeed(tracker, () => at);
  let seen = '';
  let messageAt: number | undefined;
  let consoleAfterVerdict = 0;
  for (const ev of rec.events) {
    if (ev.type !== 'console') continue;
    if (tracker.verdict() !== undefined) {
      consoleAfterVerdict++;
      continue;
    }
    at = ev.atMs;
    seen += Buffer.from(ev.chunk).toString('latin1');
    if (messageAt === undefined && seen.includes('Verification failed: (0x1A) Security Violation')) messageAt = ev.atMs;
    feed.push(ev.chunk);
  }
  const v = tracker.verdict();
  assert.ok(messageAt !== undefined, 'the recording holds the message');
  assert.equal(v?.status, 'failed', v?.reason);
  assert.equal(v?.finding?.id, 'shim.security-violation');
  assert.equal(v?.finding?.family, 'secure-boot');
  assert.equal(v?.atMs, messageAt, 'the verdict comes with the message row');
  assert.ok(consoleAfterVerdict > 0, 'the box was still being drawn when the verdict came');
  // The message stays the evidence's text, one space where each cursor move was.
  assert.match(v?.finding?.evidence[0]?.text ?? '', / ERROR .*Verification failed: \(0x1A\) Security Violation/);
});

test('"Verification failed: " without an EFI status after it is not a Secure Boot finding', () => {
  const r = analyzeLog(Buffer.from('gpg: Verification failed: bad signature\nVerification failed: checksum mismatch\n'));
  assert.deepEqual(r.findings.filter((f) => f.family === 'secure-boot'), []);
  const ok = analyzeLog(Buffer.from('Verification failed: Security Violation\n'));
  assert.ok(ok.findings.some((f) => f.id === 'shim.security-violation'), "shim's verbose form");
});
