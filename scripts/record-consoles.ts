// Records real boots into testkit/consoles/: <name>.log holds the raw console bytes,
// <name>.jsonl the same bytes with their arrival times plus every QMP event and the exit,
// for the console replayer and logic tests.
//   node scripts/record-consoles.ts [name...]                 the tiny guest: a good boot and each tiny fault
//   node scripts/record-consoles.ts --guest debian [name...]  each debian-* fault of the catalogue
// A tiny boot is watched by the recorder's own stop rules. A Debian fault is injected into a
// qcow2 overlay of the cached Debian image (`bootmedic guest build debian` first) and booted
// through bootmedic's supervisor, which stops the VM at its verdict; the verdict is then
// checked against the fault's `expected` and printed (the exit status is 1 on a mismatch).
// It boots real QEMU (TCG unless the probe proves KVM); expect minutes per Debian fault.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec, resolveAppConfig, type VmSpec } from '../src/config/index.ts';
import { assertNever, isBootmedicError } from '../src/core/index.ts';
import { getFault, injectFault, loadCatalogue, type Fault } from '../src/faults/index.ts';
import { createQemuHypervisor, type Hypervisor, type VmEvent, type VmProcess } from '../src/hypervisor/index.ts';
import { superviseVm, type BootOutcome } from '../src/supervisor/index.ts';
import { exampleSpec } from '../testkit/index.ts';
import { guestSource } from '../src/guest/index.ts';

const out = new URL('../testkit/consoles/', import.meta.url).pathname;
const app = resolveAppConfig();
const hv = createQemuHypervisor(app, { guests: guestSource(app) });
const verdict = await hv.probeAccel();
process.stderr.write(`accel ${verdict.accel}: ${verdict.reason}\n`);

const argv = process.argv.slice(2);
const g = argv.indexOf('--guest');
const guest = g >= 0 ? argv[g + 1] : 'tiny';
const wanted = argv.filter((_, i) => g < 0 || (i !== g && i !== g + 1));
if (guest !== 'tiny' && guest !== 'debian') throw new Error(`--guest tiny | debian, not ${guest}`);
mkdirSync(out, { recursive: true });

/** Tiny guest: how long a boot may run before we stop recording it; enough for the fault to show under TCG. */
const CAP_MS: Record<string, number> = { hang: 40_000, slow: 180_000, default: 150_000 };

/**
 * Debian guest: the stall budget the supervisor gets and the recorder's own cap, per fault.
 * A good boot takes 25-40 s idle under TCG and minutes on a loaded 2-core host, so the budget
 * is 300 s (as in test/debian-heal.test.ts); the 90 s device wait of fstab-missing-device
 * fits in it. init-sleep-hang keeps examples/debian.yaml's 90 s, so it is called stalled.
 * The firmware faults without a NIC end in seconds; with one OVMF tries network boot first.
 */
const DEBIAN: Record<string, { stallSeconds: number; capMs: number }> = {
  'debian-init-sleep-hang': { stallSeconds: 90, capMs: 300_000 },
  // Secure Boot (the fault sets secureBoot: true): examples/debian-secureboot.yaml's budget.
  'debian-sb-tampered-grub': { stallSeconds: 120, capMs: 300_000 },
  default: { stallSeconds: 300, capMs: 600_000 },
};

let mismatches = 0;
if (guest === 'tiny') {
  const names = ['good', ...loadCatalogue().filter((f) => f.guests.includes('tiny')).map((f) => f.name)].filter((n) => wanted.length === 0 || wanted.includes(n));
  const base = parseVmSpec({ name: 'tiny', guest: 'tiny', memoryMiB: 256, accel: verdict.accel }, 'record', out);
  for (const name of names) {
    await inWork(name, async (work) => {
      let spec: VmSpec = base;
      if (name !== 'good') spec = (await injectFault(base, getFault(name), join(work, 'files'), app)).spec;
      await recordTiny(name, spec, work);
    });
  }
} else {
  const faults = loadCatalogue().filter((f) => f.guests.includes('debian') && (wanted.length === 0 || wanted.includes(f.name)));
  for (const fault of faults) await inWork(fault.name, (work) => recordDebian(fault, work));
}
process.exitCode = mismatches > 0 ? 1 : 0;

async function inWork(name: string, fn: (work: string) => Promise<void>): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), `bm-rec-${name}-`));
  try {
    await fn(work);
  } catch (e) {
    if (!isBootmedicError(e)) throw e;
    mismatches++;
    process.stderr.write(`${name}: not recorded: ${e.code}: ${e.message}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Captures one QEMU process's events in the two-file format; `write` stores them. */
function capture(name: string, vm: VmProcess, work: string, onConsole?: (atMs: number, text: string, all: string) => void, onQmp?: (ev: Extract<VmEvent, { type: 'qmp' }>) => void) {
  const t0 = Date.now();
  const lines: string[] = [JSON.stringify({ type: 'meta', name, fault: name === 'good' ? null : name, accel: vm.accel, argv: vm.argv.map((a) => a.split(work).join('<work>')), recordedAt: new Date(t0).toISOString() })];
  const raw: Buffer[] = [];
  let text = '';
  let all = '';
  // The serial port delivers a few bytes at a time; chunks that arrive within the same
  // millisecond are stored as one record (the timing a consumer sees is unchanged at ms resolution).
  let pending: { atMs: number; bufs: Buffer[] } | undefined;
  const flush = () => {
    if (pending) lines.push(JSON.stringify({ type: 'console', atMs: pending.atMs, b64: Buffer.concat(pending.bufs).toString('base64') }));
    pending = undefined;
  };
  const off = vm.onEvent((ev: VmEvent) => {
    if (ev.type !== 'console' || (pending && pending.atMs !== Math.round(ev.atMs))) flush();
    switch (ev.type) {
      case 'console': {
        raw.push(Buffer.from(ev.chunk));
        pending ??= { atMs: Math.round(ev.atMs), bufs: [] };
        pending.bufs.push(Buffer.from(ev.chunk));
        text = (text + Buffer.from(ev.chunk).toString('latin1')).slice(-8192);
        all += Buffer.from(ev.chunk).toString('latin1');
        onConsole?.(ev.atMs, text, all);
        break;
      }
      case 'qmp':
        lines.push(JSON.stringify({ type: 'qmp', atMs: Math.round(ev.atMs), event: ev.event, data: ev.data, ...(ev.repeat ? { repeat: true } : {}) }));
        onQmp?.(ev);
        break;
      case 'exit':
        lines.push(JSON.stringify({ type: 'exit', atMs: Math.round(ev.atMs), code: ev.code, signal: ev.signal, error: ev.error?.code ?? null }));
        break;
      default:
        assertNever(ev, 'recorded event');
    }
  });
  return {
    write(meta: Record<string, unknown>): void {
      off();
      flush();
      lines[0] = JSON.stringify({ ...JSON.parse(lines[0]!), ...meta });
      writeFileSync(join(out, `${name}.log`), Buffer.concat(raw));
      writeFileSync(join(out, `${name}.jsonl`), lines.join('\n') + '\n');
      process.stderr.write(`${name}: ${raw.reduce((n, b) => n + b.length, 0)} console bytes, ${lines.length} records, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    },
  };
}

async function recordTiny(name: string, spec: VmSpec, work: string): Promise<void> {
  const vm = await hv.launch(spec, { runDir: join(work, 'run') });
  let resets = 0;
  let stopAt: number | undefined;
  const cap = CAP_MS[name] ?? CAP_MS['default']!;
  const soon = (atMs: number, ms: number) => (stopAt = Math.min(stopAt ?? Infinity, atMs + ms));
  const rec = capture(
    name,
    vm,
    work,
    (atMs, text, all) => {
      // One reboot can raise several RESET events (the kernel tries more than one reset
      // method), so a boot loop is recorded until the kernel has started four times.
      if (resets > 0 && (all.match(/Linux version/g) ?? []).length >= 4) soon(atMs, 500);
      if (/---\[ end Kernel panic/.test(text) || /\(initramfs\) $/.test(text)) soon(atMs, 1500);
    },
    (ev) => {
      if (ev.event === 'GUEST_PANICKED') soon(ev.atMs, 2000);
      if (ev.event === 'RESET') resets++;
    },
  );
  const started = Date.now();
  let stoppedByUs = false;
  while (true) {
    const elapsed = Date.now() - started;
    const done = await Promise.race([vm.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 200))]);
    if (done) break;
    if (elapsed > cap || (stopAt !== undefined && elapsed > stopAt)) {
      stoppedByUs = true;
      await vm.stop({ graceMs: 1000 });
      break;
    }
  }
  rec.write({ stoppedByRecorder: stoppedByUs });
}

/** examples/debian.yaml (1 GiB, 1 CPU, no NIC, login is ready) with this fault's stall budget. */
function debianSpec(stallSeconds: number, home: string): VmSpec {
  return exampleSpec('debian.yaml', home, { stallSeconds, over: { accel: verdict.accel }, source: 'record' });
}

/** What the supervisor's outcome says, next to what the catalogue expects. */
function judge(fault: Fault, o: BootOutcome | undefined): { ok: boolean; observed: Record<string, unknown> } {
  const e = fault.expected;
  const families = [...new Set(o?.findings.map((f) => f.family) ?? [])];
  const ids = [...new Set(o?.findings.map((f) => f.id) ?? [])];
  const events = [...new Set(o?.qmpEvents.map((q) => q.event) ?? [])];
  const ok = o !== undefined && o.status === e.outcome && families.includes(e.family) && (e.finding === undefined || ids.includes(e.finding)) && (e.qmpEvent === undefined || events.includes(e.qmpEvent));
  return { ok, observed: { status: o?.status ?? null, reason: o?.reason ?? null, phase: o?.phase ?? null, durationMs: o?.durationMs ?? null, families, findings: ids, qmpEvents: events } };
}

async function recordDebian(fault: Fault, work: string): Promise<void> {
  const policy = DEBIAN[fault.name] ?? DEBIAN['default']!;
  const home = join(work, 'home');
  const { spec, note } = await injectFault(debianSpec(policy.stallSeconds, home), fault, join(work, 'files'), app);
  process.stderr.write(`${fault.name}: ${note}\n`);
  let rec: ReturnType<typeof capture> | undefined;
  // The supervisor launches QEMU; the recorder listens to the same process from its first event.
  const tapped: Hypervisor = {
    probeAccel: (o) => hv.probeAccel(o),
    launch: async (s, o) => {
      const vm = await hv.launch(s, o);
      rec = capture(fault.name, vm, work);
      return vm;
    },
  };
  const cap = new AbortController();
  const timer = setTimeout(() => cap.abort(), policy.capMs);
  const load = loadavg().map((x) => x.toFixed(2)).join(' ');
  let outcome: BootOutcome | undefined;
  try {
    [outcome] = await superviseVm(spec, { hypervisor: tapped, home }, { mode: 'once', signal: cap.signal });
  } finally {
    clearTimeout(timer);
  }
  const { ok, observed } = judge(fault, outcome);
  if (!ok) mismatches++;
  rec?.write({ stoppedByRecorder: true, stoppedBy: cap.signal.aborted ? `the recorder's cap (${policy.capMs / 1000} s)` : "bootmedic's supervisor at its verdict", stallSeconds: policy.stallSeconds, loadAvgAtStart: load, expected: fault.expected, observed });
  process.stderr.write(`${fault.name}: ${ok ? 'AS EXPECTED' : 'MISMATCH'} expected ${JSON.stringify(fault.expected)} observed ${JSON.stringify(observed)} (load at start ${load})\n`);
}
