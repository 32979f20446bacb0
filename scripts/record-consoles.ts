// Records real boots of the tiny guest, one per fault in the catalogue (plus a good boot),
// into testkit/consoles/: <name>.log holds the raw console bytes, <name>.jsonl the same
// bytes with their arrival times plus every QMP event and the exit, for the console
// replayer and logic tests. Run: node scripts/record-consoles.ts [name...]
// It boots real QEMU (TCG unless the probe proves KVM); expect a few minutes in all.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec, resolveAppConfig, type VmSpec } from '../src/config/index.ts';
import { isBootmedicError } from '../src/core/index.ts';
import { getFault, injectFault, loadCatalogue } from '../src/faults/index.ts';
import { createQemuHypervisor, type VmEvent } from '../src/hypervisor/index.ts';

const out = new URL('../testkit/consoles/', import.meta.url).pathname;
const app = resolveAppConfig();
const hv = createQemuHypervisor(app);
const verdict = await hv.probeAccel();
process.stderr.write(`accel ${verdict.accel}: ${verdict.reason}\n`);

/** How long a boot may run before we stop recording it; enough for the fault to show under TCG. */
const CAP_MS: Record<string, number> = { hang: 40_000, slow: 180_000, default: 150_000 };
const wanted = process.argv.slice(2);
const names = ['good', ...loadCatalogue().filter((f) => f.guests.includes('tiny')).map((f) => f.name)].filter((n) => wanted.length === 0 || wanted.includes(n));
const base = parseVmSpec({ name: 'tiny', guest: 'tiny', memoryMiB: 256, accel: verdict.accel }, 'record', out);
mkdirSync(out, { recursive: true });

for (const name of names) {
  const work = mkdtempSync(join(tmpdir(), `bm-rec-${name}-`));
  try {
    let spec: VmSpec = base;
    if (name !== 'good') spec = (await injectFault(base, getFault(name), join(work, 'files'), app)).spec;
    await record(name, spec, work);
  } catch (e) {
    if (!isBootmedicError(e)) throw e;
    process.stderr.write(`${name}: not recorded: ${e.code}: ${e.message}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function record(name: string, spec: VmSpec, work: string): Promise<void> {
  const t0 = Date.now();
  const vm = await hv.launch(spec, { runDir: join(work, 'run') });
  const lines: string[] = [JSON.stringify({ type: 'meta', name, fault: name === 'good' ? null : name, accel: vm.accel, argv: vm.argv.map((a) => a.replace(work, '<work>')), recordedAt: new Date(t0).toISOString() })];
  const raw: Buffer[] = [];
  let text = '';
  let resets = 0;
  let all = '';
  let stopAt: number | undefined;
  const cap = CAP_MS[name] ?? CAP_MS['default']!;
  const soon = (atMs: number, ms: number) => (stopAt = Math.min(stopAt ?? Infinity, atMs + ms));
  // The serial port delivers a few bytes at a time; chunks that arrive within the same
  // millisecond are stored as one record (the timing a consumer sees is unchanged at ms resolution).
  let pending: { atMs: number; bufs: Buffer[] } | undefined;
  const flush = () => {
    if (pending) lines.push(JSON.stringify({ type: 'console', atMs: pending.atMs, b64: Buffer.concat(pending.bufs).toString('base64') }));
    pending = undefined;
  };
  vm.onEvent((ev: VmEvent) => {
    if (ev.type !== 'console' || (pending && pending.atMs !== Math.round(ev.atMs))) flush();
    switch (ev.type) {
      case 'console': {
        raw.push(Buffer.from(ev.chunk));
        pending ??= { atMs: Math.round(ev.atMs), bufs: [] };
        pending.bufs.push(Buffer.from(ev.chunk));
        text = (text + Buffer.from(ev.chunk).toString('latin1')).slice(-8192);
        all += Buffer.from(ev.chunk).toString('latin1');
        // One reboot can raise several RESET events (the kernel tries more than one reset
        // method), so a boot loop is recorded until the kernel has started four times.
        if (resets > 0 && (all.match(/Linux version/g) ?? []).length >= 4) soon(ev.atMs, 500);
        if (/---\[ end Kernel panic/.test(text) || /\(initramfs\) $/.test(text)) soon(ev.atMs, 1500);
        break;
      }
      case 'qmp':
        lines.push(JSON.stringify({ type: 'qmp', atMs: Math.round(ev.atMs), event: ev.event, data: ev.data, ...(ev.repeat ? { repeat: true } : {}) }));
        if (ev.event === 'GUEST_PANICKED') soon(ev.atMs, 2000);
        if (ev.event === 'RESET') resets++;
        break;
      case 'exit':
        lines.push(JSON.stringify({ type: 'exit', atMs: Math.round(ev.atMs), code: ev.code, signal: ev.signal, error: ev.error?.code ?? null }));
        break;
    }
  });
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
  flush();
  lines[0] = JSON.stringify({ ...JSON.parse(lines[0]!), stoppedByRecorder: stoppedByUs });
  writeFileSync(join(out, `${name}.log`), Buffer.concat(raw));
  writeFileSync(join(out, `${name}.jsonl`), lines.join('\n') + '\n');
  process.stderr.write(`${name}: ${raw.reduce((n, b) => n + b.length, 0)} console bytes, ${lines.length} records, ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
