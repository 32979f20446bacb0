// The tiny guest's catalogue faults, as recorded from real QEMU (testkit/consoles/), each
// diagnosed from what the supervisor would hold at its verdict: the console up to the
// verdict, the QMP events, the QEMU process still running, the VM's memory, and what
// changed against the good boot's configuration (taken from the recorded QEMU argv).
// The top cause must be the catalogue's ground truth.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { loadCatalogue } from '../faults/index.ts';
import { analyzeLog } from '../signatures/index.ts';
import { loadRecording, recordingPath, type Recording } from '../../testkit/console-replayer.ts';
import { diagnose, diffFingerprints, evidenceFromAnalysis, fingerprintOf, type Evidence, type Fingerprint } from './index.ts';

// The stall budget before any good boot is known (VmSpec's default), unless the fault sets its own.
const DEFAULT_STALL_MS = 60_000;

function fingerprintFromArgv(argv: readonly string[]): Fingerprint {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  // Stand-ins for the file digests: a fault that swaps a file points QEMU at a copy.
  const art = (p: string | undefined) => (p === undefined ? undefined : { path: p, sha256: p });
  const kernel = art(opt('-kernel'));
  const initrd = art(opt('-initrd'));
  return fingerprintOf({
    ...(kernel !== undefined ? { kernel } : {}),
    ...(initrd !== undefined ? { initrd } : {}),
    cmdline: opt('-append') ?? '',
    memoryMiB: Number(opt('-m') ?? 0),
    cpus: Number(opt('-smp') ?? 1),
    accel: /accel=(\w+)/.exec(opt('-machine') ?? '')?.[1] ?? 'tcg',
    disks: [],
  });
}

/** The evidence at the verdict: the console up to a stall (a gap longer than the budget), QMP events until then. */
function evidenceOf(rec: Recording, good: Fingerprint, stallMs: number): Evidence {
  const chunks: Uint8Array[] = [];
  const qmp: Record<string, number> = {};
  let last = 0;
  for (const ev of rec.events) {
    if (ev.type === 'console') {
      if (chunks.length > 0 && ev.atMs - last > stallMs) break;
      chunks.push(ev.chunk);
      last = ev.atMs;
    } else if (ev.type === 'qmp' && ev.event !== 'RESUME' && ev.event !== 'SHUTDOWN') {
      // Every RESET counts (QEMU reports a guest reboot as several), as the supervisor's boot-loop counter sees them.
      qmp[ev.event] = (qmp[ev.event] ?? 0) + 1;
    }
  }
  const text = Buffer.concat(chunks);
  let base = evidenceFromAnalysis(analyzeLog(text));
  // The supervisor's boot-loop verdict (VmSpec bootLoop: 3 resets within 120 s by default).
  if ((qmp['RESET'] ?? 0) >= 3) base = { ...base, status: 'failed', findings: [...base.findings, { id: 'boot.loop', family: 'boot-loop', title: 'boot loop', severity: 'fatal' }] };
  const argv = rec.meta['argv'] as string[];
  const fp = fingerprintFromArgv(argv);
  return { ...base, accel: fp.accel === 'kvm' ? 'kvm' : 'tcg', memoryMiB: fp.memoryMiB, qmp, qemu: { running: true, killedByUs: true, stderr: '' }, changes: diffFingerprints(good, fp) };
}

const recorded = (name: string) => existsSync(recordingPath(name));

for (const fault of loadCatalogue().filter((f) => f.guests.includes('tiny'))) {
  test(`recorded tiny fault ${fault.name} is diagnosed as ${fault.cause}`, { skip: recorded(fault.name) && recorded('good') ? false : `testkit/consoles/${fault.name}.jsonl not recorded (QEMU never starts for some faults)` }, () => {
    const good = fingerprintFromArgv(loadRecording('good').meta['argv'] as string[]);
    const set = fault.injection.kind === 'vm' ? (fault.injection as { set?: { stall?: { defaultSeconds?: number } } }).set : undefined;
    const stallMs = (set?.stall?.defaultSeconds ?? DEFAULT_STALL_MS / 1000) * 1000;
    const d = diagnose(evidenceOf(loadRecording(fault.name), good, stallMs));
    assert.equal(d.causes[0]?.cause, fault.cause, `${fault.name}: ${d.causes.slice(0, 3).map((c) => `${c.cause} ${c.probability.toFixed(3)}`).join(', ')} — ${d.explanation.summary}`);
  });
}
