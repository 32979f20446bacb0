import { BOOT_PHASES } from '../core/index.ts';
import { IMAGE_LAYERS, type Evidence, type FindingLike } from './evidence.ts';
import type { CompiledClass, Model } from './model.ts';
import { diagnoseErrors } from './errors.ts';

// Discretisation: turns raw evidence into observations of the model's variables. Each
// observation carries its likelihood vector P(observed | cause) taken from the data, so
// inference never looks at raw evidence. What is unknown is simply not observed.

/** One observed evidence variable with P(observed | cause) per cause (CAUSE_IDS order). */
export type Observation = Readonly<{
  /** `variable=state`, or `finding:<class>` / `stderr:<class>` for present message classes. */
  evidence: string;
  /** Human-readable detail: the finding title, the stderr line, the change. */
  detail: string;
  likelihood: readonly number[];
}>;

/** Variables the code observes, with the states it produces; the model must define exactly these. */
export const REQUIRED_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  // A failed boot never reached 'ready'.
  phase: ['none', ...BOOT_PHASES.filter((p) => p !== 'ready')],
  status: ['failed', 'stalled'],
  qemuExit: ['running', 'clean', 'error', 'crashed'],
  resets: ['none', 'some', 'loop'],
  guestPanicked: ['yes', 'no'],
  blockIoError: ['yes', 'no'],
  watchdog: ['yes', 'no'],
  'change.kernel': ['same', 'changed', 'missing', 'removed'],
  'change.initrd': ['same', 'changed', 'missing', 'removed'],
  'change.cmdline': ['same', 'changed-root', 'changed-other'],
  'change.memory': ['same', 'decreased', 'increased'],
  'change.cpus': ['same', 'changed'],
  'change.disks': ['same', 'content-changed', 'removed', 'missing', 'added'],
  'change.accel': ['same', 'changed'],
  diskCheck: ['ok', 'leaks', 'corrupt', 'unreadable'],
  imageCheck: IMAGE_LAYERS,
  accel: ['kvm', 'tcg'],
  memorySize: ['tiny', 'small', 'normal'],
  hostMemory: ['ok', 'low'],
  hostLoad: ['ok', 'high'],
  hostDisk: ['ok', 'low'],
  sameImageFailing: ['no', 'yes'],
  hostFailing: ['no', 'yes'],
  retry: ['ready', 'failed-same', 'failed-other'],
};

/** Checks that a compiled model defines every variable the code observes, with the same states. */
export function checkModelVariables(model: Model): void {
  for (const [id, states] of Object.entries(REQUIRED_VARIABLES)) {
    const v = model.variables.get(id);
    if (v === undefined) throw diagnoseErrors.make('DIAGNOSE_BAD_MODEL', `${model.source}: variables.${id} is missing`);
    const same = v.states.length === states.length && states.every((s) => v.states.includes(s));
    if (!same) throw diagnoseErrors.make('DIAGNOSE_BAD_MODEL', `${model.source}: variables.${id}.states must be exactly [${states.join(', ')}]`);
  }
}

/** Progress markers and "stopped here" summaries carry no cause of their own; phase and status say it. */
const isFailureFinding = (f: FindingLike) => f.severity !== 'info' && f.family !== 'progress' && f.family !== 'incomplete-boot';

// A class matches when any selector hits (id, family, or text on the title or the
// evidence lines, which hold the raw message) and every constraint holds.
function findingMatches(c: CompiledClass, f: FindingLike): boolean {
  if (c.severity !== undefined && !c.severity.includes(f.severity)) return false;
  if (c.component !== undefined && (f.component === undefined || !c.component.includes(f.component))) return false;
  if (c.id !== undefined && f.id !== undefined && c.id.test(f.id)) return true;
  if (c.family !== undefined && c.family.includes(f.family)) return true;
  if (c.text === undefined) return false;
  const text = c.text;
  return text.test(f.title) || (f.evidence ?? []).slice(0, 8).some((e) => text.test(e.text));
}

const lineMatches = (c: CompiledClass, line: string) => c.text !== undefined && c.text.test(line);

/** Turns evidence into observations of the model's variables (see docs/diagnose.md). */
export function observe(ev: Evidence, model: Model): Observation[] {
  const out: Observation[] = [];
  const add = (variable: string, state: string, detail: string) => {
    const v = model.variables.get(variable);
    const lk = v?.table.get(state);
    if (lk === undefined) throw diagnoseErrors.make('DIAGNOSE_BAD_MODEL', `${model.source}: variables.${variable} has no state "${state}"`);
    out.push({ evidence: `${variable}=${state}`, detail, likelihood: lk });
  };

  // Message classes: each class counts once however many findings fall in it, so a
  // panic and its "end Kernel panic" trailer are not double-counted. First match wins.
  const seen = new Set<string>();
  for (const f of ev.findings.filter(isFailureFinding)) {
    const c = model.findingClasses.find((k) => findingMatches(k, f));
    if (c === undefined || seen.has(c.name)) continue;
    seen.add(c.name);
    out.push({ evidence: `finding:${c.name}`, detail: f.title, likelihood: c.present });
  }
  const stderrLines = (ev.qemu?.stderr ?? '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (const c of model.stderrClasses) {
    const line = stderrLines.find((l) => lineMatches(c, l));
    if (line !== undefined) out.push({ evidence: `stderr:${c.name}`, detail: line, likelihood: c.present });
  }

  // The phase is evidence only when no message class explains the failure: a message
  // already implies where the boot was, and naive Bayes would count that twice.
  const explained = out.length > 0;
  if (!explained && ev.phase !== 'ready') add('phase', ev.phase, `the boot got as far as ${ev.phase === 'none' ? 'nothing (no console output)' : `the ${ev.phase} phase`}`);
  add('status', ev.status, ev.status === 'stalled' ? 'the boot stopped making progress' : 'the boot failed');
  if (ev.accel !== undefined) add('accel', ev.accel, `accelerator ${ev.accel}`);

  if (ev.qemu !== undefined) {
    const q = ev.qemu;
    if (q.running || q.killedByUs === true) add('qemuExit', 'running', 'QEMU was still running at the verdict');
    else if (q.signal != null) add('qemuExit', 'crashed', `QEMU died of ${q.signal}`);
    else if (q.exitCode === 0) add('qemuExit', 'clean', 'QEMU exited with status 0');
    else add('qemuExit', 'error', `QEMU exited with status ${q.exitCode ?? '?'}`);
  }
  if (ev.qmp !== undefined) {
    const n = (e: string) => ev.qmp?.[e] ?? 0;
    const resets = n('RESET');
    add('resets', resets >= model.thresholds.resetLoop ? 'loop' : resets > 0 ? 'some' : 'none', `${resets} guest reset(s)`);
    add('guestPanicked', n('GUEST_PANICKED') > 0 ? 'yes' : 'no', n('GUEST_PANICKED') > 0 ? 'QMP reported GUEST_PANICKED' : 'no GUEST_PANICKED event');
    add('blockIoError', n('BLOCK_IO_ERROR') > 0 ? 'yes' : 'no', n('BLOCK_IO_ERROR') > 0 ? `${n('BLOCK_IO_ERROR')} BLOCK_IO_ERROR event(s)` : 'no BLOCK_IO_ERROR event');
    add('watchdog', n('WATCHDOG') > 0 ? 'yes' : 'no', n('WATCHDOG') > 0 ? 'the guest watchdog fired' : 'no WATCHDOG event');
  }

  const ch = ev.changes;
  if (ch !== undefined) {
    const detailOf = (field: string) => {
      const d = ch.details.find((x) => x.field === field);
      return d === undefined ? `${field} unchanged since the last good boot` : `${field}: ${d.before} → ${d.after}`;
    };
    add('change.kernel', ch.kernel, detailOf('kernel'));
    add('change.initrd', ch.initrd, detailOf('initrd'));
    add('change.cmdline', ch.cmdline, detailOf('cmdline'));
    add('change.memory', ch.memory, detailOf('memoryMiB'));
    add('change.cpus', ch.cpus, detailOf('cpus'));
    add('change.disks', ch.disks, detailOf('disks'));
    add('change.accel', ch.accel, detailOf('accel'));
  }
  const dc = ev.integrity?.diskCheck;
  if (dc !== undefined) add('diskCheck', dc, `qemu-img check: ${dc}`);
  const ic = ev.integrity?.imageCheck;
  if (ic !== undefined) add('imageCheck', ic, ic === 'clean' ? 'inspection of the boot disk found no problem' : `inspection of the boot disk: the lowest damaged layer is the ${ic}`);

  const t = model.thresholds;
  if (ev.memoryMiB !== undefined) {
    add('memorySize', ev.memoryMiB < t.memoryTinyMiB ? 'tiny' : ev.memoryMiB < t.memorySmallMiB ? 'small' : 'normal', `the VM has ${ev.memoryMiB} MiB`);
  }
  const h = ev.host;
  if (h !== undefined) {
    add('hostMemory', h.memAvailableMiB < t.hostMemLowMiB ? 'low' : 'ok', `host memory available ${h.memAvailableMiB} of ${h.memTotalMiB} MiB`);
    add('hostLoad', h.load1 / h.cpus > t.hostLoadPerCpu ? 'high' : 'ok', `host load ${h.load1.toFixed(2)} on ${h.cpus} CPU(s)`);
    add('hostDisk', h.diskFreeMiB < t.hostDiskLowMiB ? 'low' : 'ok', `host disk free ${h.diskFreeMiB} MiB`);
  }
  const hist = ev.history;
  if (hist?.sameImageFailingVms !== undefined) {
    add('sameImageFailing', hist.sameImageFailingVms >= t.historyMany ? 'yes' : 'no', `${hist.sameImageFailingVms} other VM(s) on the same image failing`);
  }
  if (hist?.hostFailingVms !== undefined) {
    add('hostFailing', hist.hostFailingVms >= t.historyMany ? 'yes' : 'no', `${hist.hostFailingVms} other VM(s) on this host failing`);
  }
  (ev.retries ?? []).forEach((r, i) => add('retry', r, `retry ${i + 1} of the unchanged configuration: ${r}`));
  return out;
}
