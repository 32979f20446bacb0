// Evidence for diagnose/ and heal/ logic tests from the tiny guest's recorded boots
// (testkit/consoles/): the console up to the supervisor's verdict, the QMP events, QEMU
// still running, the VM's memory, and the fingerprint diff against the good boot's
// configuration, read from the recorded QEMU argv.
import { existsSync } from 'node:fs';
import { diffFingerprints, evidenceFromAnalysis, fingerprintOf, type Evidence, type Fingerprint } from '../src/diagnose/index.ts';
import { analyzeLog } from '../src/signatures/index.ts';
import { loadRecording, recordingPath } from './console-replayer.ts';

/** The stall budget before any good boot is known (VmSpec's default). */
export const DEFAULT_STALL_MS = 60_000;

/** The boot configuration a recorded QEMU argv describes; file paths stand in for digests. */
export function fingerprintFromArgv(argv: readonly string[]): Fingerprint {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  // A fault that swaps a file points QEMU at a copy, so the path changes with the bytes.
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

/** True when testkit/consoles/<name>.jsonl exists. */
export const isRecorded = (name: string) => existsSync(recordingPath(name));

/** Evidence at the verdict of the recorded boot `name`, against the recorded good boot. */
export function recordedEvidence(name: string, stallMs = DEFAULT_STALL_MS): Evidence {
  const good = fingerprintFromArgv(loadRecording('good').meta['argv'] as string[]);
  const rec = loadRecording(name);
  const chunks: Uint8Array[] = [];
  const qmp: Record<string, number> = {};
  let last = 0;
  for (const ev of rec.events) {
    if (ev.type === 'console') {
      // A gap longer than the stall budget is where the supervisor's stall verdict falls.
      if (chunks.length > 0 && ev.atMs - last > stallMs) break;
      chunks.push(ev.chunk);
      last = ev.atMs;
    } else if (ev.type === 'qmp' && ev.event !== 'RESUME' && ev.event !== 'SHUTDOWN') {
      // Every RESET counts (QEMU reports one guest reboot as several), as the boot-loop counter sees them.
      qmp[ev.event] = (qmp[ev.event] ?? 0) + 1;
    }
  }
  let base = evidenceFromAnalysis(analyzeLog(Buffer.concat(chunks)));
  // The supervisor's boot-loop verdict (VmSpec bootLoop: 3 resets within 120 s by default).
  if ((qmp['RESET'] ?? 0) >= 3) base = { ...base, status: 'failed', findings: [...base.findings, { id: 'boot.loop', family: 'boot-loop', title: 'boot loop', severity: 'fatal' }] };
  const fp = fingerprintFromArgv(rec.meta['argv'] as string[]);
  return { ...base, accel: fp.accel === 'kvm' ? 'kvm' : 'tcg', memoryMiB: fp.memoryMiB, qmp, qemu: { running: true, killedByUs: true, stderr: '' }, changes: diffFingerprints(good, fp) };
}
