// libvirt watching figures:
//   1. detection latency: from the write that puts a panic line's last byte into a serial
//      log file to the failed verdict, through the libvirt path (the log tail, the console,
//      the signature engine, the phase tracker, driven by superviseVm); the tiny guest's
//      recorded panic console is written into a temporary log the way virtlogd appends it
//      (a real domain adds virtlogd's own write, under 2 ms over 20 lines, issue 12);
//   2. the cost of watching idle domains: --domains N defined on a real libvirtd, --running
//      K of them booted to ready and idling; bootmedic's CPU (its own and its virsh
//      children's) over --seconds S, and its RSS.
// Usage: node bench/libvirt-watch.ts [--runs N] [--domains N] [--running K] [--seconds S] [--skip-idle]
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { percentile } from '../src/boot/index.ts';
import { runToolSync } from '../src/core/index.ts';
import type { Hypervisor } from '../src/hypervisor/index.ts';
import { attachDomain, domainSpec, parseDomainXml, watchLibvirt, type EventHub } from '../src/libvirt/index.ts';
import { superviseVm } from '../src/supervisor/index.ts';
import { defineTinyDomain, libvirtSkipReason, removeTestDomains, withLibvirtd, type TinyDomain } from '../testkit/index.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '30' },
    domains: { type: 'string', default: '50' },
    running: { type: 'string', default: '2' },
    seconds: { type: 'string', default: '30' },
    'skip-idle': { type: 'boolean', default: false },
  },
});
const stats = (xs: number[]) => `median ${percentile(xs, 50).toFixed(1)}, p99 ${percentile(xs, 99).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}`;
const READY = '<bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1"><bootmedic:ready marker="bootmedic-ready"/></bootmedic:domain>';

// 1. Detection latency over the log tail.
const panicLog = readFileSync(new URL('../testkit/consoles/panic.log', import.meta.url));
const lines: Buffer[] = [];
for (let at = 0; at < panicLog.length; ) {
  const nl = panicLog.indexOf(0x0a, at);
  const end = nl < 0 ? panicLog.length : nl + 1;
  lines.push(panicLog.subarray(at, end));
  at = end;
}
const fault = lines.findIndex((l) => l.includes('fault panic: crashing'));
if (fault < 0) throw new Error('testkit/consoles/panic.log: no "fault panic" line');
const idleHub: EventHub = { uri: 'bench', subscribe: () => () => {}, ready: Promise.resolve(), close: async () => {} };
const dir = mkdtempSync(join(tmpdir(), 'bm-bench-lv-'));
const latencies: number[] = [];
for (let run = 0; run < Number(values.runs); run++) {
  const name = `bench-${run}`;
  const log = join(dir, `${name}.log`);
  writeFileSync(log, '');
  const xml = `<domain type='qemu'><name>${name}</name><memory unit='MiB'>256</memory><metadata>${READY}</metadata><devices><serial type='pty'><log file='${log}' append='on'/></serial></devices></domain>`;
  const spec = domainSpec(parseDomainXml(xml, name), 'bench');
  const hv: Hypervisor = {
    probeAccel: async () => ({ accel: 'tcg', reason: 'bench' }),
    launch: async (_s, o) => attachDomain({ uri: 'bench', domain: name, accel: 'tcg', runDir: o.runDir, hub: idleHub, serialLog: log, from: 0, onStop: 'detach' }),
  };
  let detectedAt = 0;
  const writes: { at: number; end: number }[] = [];
  const outcome = superviseVm(spec, { hypervisor: hv, home: dir }, { mode: 'once', onEvent: (e) => {
    if (e.type === 'verdict') detectedAt = e.detectedAt;
  } });
  // The boot up to the fault at once, then one line at a time as a guest prints them.
  let offset = 0;
  const head = Buffer.concat(lines.slice(0, fault));
  appendFileSync(log, head);
  offset += head.length;
  await sleep(200);
  for (const l of lines.slice(fault)) {
    if (detectedAt !== 0) break;
    appendFileSync(log, l);
    offset += l.length;
    writes.push({ at: performance.now(), end: offset });
    await sleep(3);
  }
  const [o] = await outcome;
  const ev = o?.evidence[0];
  if (o?.status !== 'failed' || ev === undefined) throw new Error(`run ${run}: ${o?.status}: ${o?.reason}`);
  // Where the evidence line ends in the bytes written (lines are numbered from 1).
  const end = lines.slice(0, ev.line).reduce((n, l) => n + l.length, 0);
  const w = writes.find((x) => x.end >= end);
  if (w === undefined) throw new Error(`run ${run}: evidence line ${ev.line} was written before the timed part`);
  latencies.push(detectedAt - w.at);
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`detection latency over the serial log tail (panic line's last byte written → failed verdict), ${latencies.length} runs: ${stats(latencies)} ms (target p99 ≤ 50 ms)\n`);

// 2. Watching idle domains.
const skip = values['skip-idle'] ? 'skipped (--skip-idle)' : libvirtSkipReason();
if (skip !== false) {
  process.stdout.write(`idle watch: ${skip}\n`);
} else {
  const lease = await withLibvirtd();
  const home = mkdtempSync(join(tmpdir(), 'bm-bench-lv-home-'));
  const n = Number(values.domains);
  const k = Math.min(n, Number(values.running));
  const domains: TinyDomain[] = [];
  try {
    for (let i = 0; i < n; i++) domains.push(defineTinyDomain({ name: `idle${i}`, shareFiles: true, memoryMiB: 128, metadata: READY }));
    const ctl = new AbortController();
    const ready = new Set<string>();
    let waiting = 0;
    const done = watchLibvirt({ uri: lease.uri, deps: { home }, signal: ctl.signal, onEvent: (e) => {
      if (e.type === 'waiting') waiting++;
      if (e.type === 'outcome' && e.outcome.status === 'ready') ready.add(e.domain);
    } });
    while (waiting < n) await sleep(100);
    for (const d of domains.slice(0, k)) d.start();
    while (ready.size < k) await sleep(200);
    await sleep(2000);
    const virshPids = () =>
      runToolSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)]).stdout.split('\n').filter((l) => /virsh/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
    const ticks = (pid: number) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 Hz)
      } catch {
        return 0;
      }
    };
    const kids = virshPids();
    const cpu0 = process.cpuUsage();
    const kid0 = kids.reduce((s, p) => s + ticks(p), 0);
    const t0 = performance.now();
    let rss = 0;
    for (let s = 0; s < Number(values.seconds); s++) {
      await sleep(1000);
      rss = Math.max(rss, process.memoryUsage().rss);
    }
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const own = (cpu.user + cpu.system) / 1000;
    const children = (kids.reduce((s, p) => s + ticks(p), 0) - kid0) * 10;
    process.stdout.write(
      `idle watch of ${n} defined domains (${k} running, idle after ready), ${(wallMs / 1000).toFixed(0)} s: CPU ${((100 * own) / wallMs).toFixed(2)}% of one core (+ ${((100 * children) / wallMs).toFixed(2)}% in ${kids.length} virsh children), RSS max ${(rss / 2 ** 20).toFixed(0)} MB (target < 2% and < 150 MB)\n`,
    );
    ctl.abort(new Error('bench done'));
    await done;
  } finally {
    removeTestDomains();
    rmSync(home, { recursive: true, force: true });
    await lease.release();
  }
}
