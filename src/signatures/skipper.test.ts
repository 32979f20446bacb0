// The engine's skipper lets the splitter pass over lines without building them. It must
// change nothing: these tests run the same input through splitter + engine with and
// without it, with and without the byte scan (and the partial callback, chunk sizes, CRLF, ANSI, empty messages, report
// windows, reboots, stop-code parameter lines) and compare every finding and the last line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLineSplitter } from '../console/index.ts';
import { createSignatureEngine } from './index.ts';
import type { EngineOptions, Finding } from './index.ts';
import { sharedPath, skipWithout } from '../../testkit/index.ts';

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Findings (and line count) of one run; `chunks` are the pieces pushed in order. */
function run(chunks: readonly (Uint8Array | string)[], skip: boolean, opts: EngineOptions = {}, byteScan = true): { findings: Finding[]; lines: number; skipped: number } {
  const findings: Finding[] = [];
  const engine = createSignatureEngine(opts);
  let skipped = 0;
  const skipper = { ...engine.skipper };
  // Count the lines passed over, reading the engine's flags live.
  const counted = Object.defineProperties({}, {
    all: { get: () => engine.skipper.all },
    timestamped: { get: () => engine.skipper.timestamped },
    version: { get: () => engine.skipper.version },
    next: { value: skipper.next },
    occursIn: { value: skipper.occursIn },
    skip: { value: (...a: Parameters<typeof skipper.skip>) => { skipped++; skipper.skip(...a); } },
  }) as typeof engine.skipper;
  const s = createLineSplitter({
    onLine: (l) => findings.push(...engine.push(l)),
    onPartial: (t, a) => findings.push(...engine.partial(t, a)),
    now: () => 0,
    byteScan,
    ...(skip ? { skipper: counted } : {}),
  });
  for (const c of chunks) s.push(c);
  s.end();
  findings.push(...engine.end());
  return { findings, lines: s.lines, skipped };
}

function same(chunks: readonly (Uint8Array | string)[], what: string, opts: EngineOptions = {}): number {
  const a = run(chunks, false, opts);
  const b = run(chunks, true, opts);
  assert.deepEqual(b.findings, a.findings, what);
  assert.equal(b.lines, a.lines, what);
  // The string searches alone (no WebAssembly byte scan) skip the same lines.
  const c = run(chunks, true, opts, false);
  assert.deepEqual(c.findings, a.findings, `${what} (string searches only)`);
  assert.equal(c.skipped, b.skipped, `${what} (string searches only)`);
  return b.skipped;
}

const BASE = [
  'SeaBIOS (version 1.16)', 'coreboot-4.19 Tue', 'PCI: 00:00.0 resource base 0', 'Booting from Hard Disk...', 'Welcome to GRUB!',
  "error: file `/boot/vmlinuz' not found.", 'Linux version 6.1.0', '[    0.000000] Command line: root=/dev/vda1',
  '[    0.100000] pci 0000:00:01.0: [8086:7000] type 00 class 0x060100', '[    0.100001]', '[    0.100002] ', '<6>[    0.2] x', '<6>',
  '[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010', '[    1.000001] RIP: 0010:foo+0x1/0x2',
  '[    1.000002] Call Trace:', '[    1.000003]  <TASK>', '[    1.000003] ---[ end trace 0000 ]---', '[    1.1][ T1] plain line [x]',
  '[    2.0][ T1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)', '[    2.1] Kernel Offset: disabled',
  '------------[ cut here ]------------', 'WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2', '[    3.0] WARNING: CPU: 1 PID: 2 at y.c:2 g+0x1/0x2',
  'Begin: Running /scripts/local-block ... done.', 'ALERT!  UUID=1 does not exist.  Dropping to a shell!', '(initramfs) ',
  '\x1b[0;1;31mFAILED\x1b[0m] Failed to mount /srv.', '\x1b[0;32m  OK  \x1b[0m] Started Journal Service.', 'You are in emergency mode.',
  'systemd[1]: Detected virtualization kvm.', 'Run /init as init process', '[  OK  ] Reached target multi-user.target - Multi-User System.',
  'vm login: ', 'vm login: [   25.1] Kernel panic - not syncing: Attempted to kill init!', '/ #', '/ # ', 'BusyBox v1.36 / #  ',
  '2024-01-01T00:00:00.000Z| vcpu-0| I125: WinBSOD: Synthetic MSR[0x40000100] 0xdeadbeefcafe',
  '2024-01-01T00:00:00.000Z| vcpu-0| I125: WinBSOD: Synthetic MSR[0x40000101] 0x1',
  '*** STOP: 0x0000007B (0x1,0x2,0x3,0x4)', 'The system is going down', 'EXT4-fs (vda1): mounted filesystem',
  'blk_update_request: I/O error, dev vda, sector 1', 'random text with BUG: in the middle', 'nothing to see here',
  'ordinary userspace message', 'caf\u00e9 \u2026 wide \u0142 text', '',
];

test('fuzz: findings are identical with and without the skipper, in random chunks', () => {
  const next = rng(2026);
  const enc = new TextEncoder();
  let skipped = 0;
  for (let round = 0; round < 250; round++) {
    const lines: string[] = [];
    const n = 20 + Math.floor(next() * 300);
    for (let i = 0; i < n; i++) {
      let l = next() < 0.5 ? BASE[Math.floor(next() * BASE.length)]! : `[ ${(i / 10).toFixed(6)}] filler line ${i} of a long boot`;
      const op = Math.floor(next() * 10);
      const at = Math.floor(next() * (l.length + 1));
      if (op === 0) l = l.slice(0, at);
      else if (op === 1) l = l.slice(0, at) + '\r' + l.slice(at);
      else if (op === 2) l = l.slice(0, at) + '\x1b[1m' + l.slice(at);
      else if (op === 3) l = l + '\r';
      lines.push(l);
    }
    const log = lines.join(next() < 0.3 ? '\r\n' : '\n') + (next() < 0.5 ? '\n' : '');
    const bytes = enc.encode(log);
    const chunks: Uint8Array[] = [];
    const big = next() < 0.5;
    for (let i = 0; i < bytes.length; ) {
      const k = 1 + Math.floor(next() * (big ? 70_000 : 300));
      chunks.push(bytes.subarray(i, i + k));
      i += k;
    }
    skipped += same(chunks, `round ${round}`);
    if (round % 25 === 0) same([log], `round ${round} as one string`, { ready: ['nothing to see', /^Run \/init/] });
  }
  assert.ok(skipped > 10_000, `the skipper passed over ${skipped} lines`);
});

test('a report window left open by skipped lines closes on the same line', () => {
  const filler = Array.from({ length: 400 }, (_, i) => `[    5.${String(i).padStart(6, '0')}] quiet line ${i}`);
  const log = ['[    4.0] BUG: unable to handle page fault for address: ffff', ...filler, '[    9.0] BUG: soft lockup - CPU#0 stuck for 22s!', ...filler.slice(0, 20), '[   10.0] ---[ end trace 0 ]---', 'Linux version 6.1', ''].join('\n');
  const skipped = same([log], 'report windows');
  assert.ok(skipped > 300, `skipped ${skipped}`);
});

test('real consoles give identical findings with and without the skipper', { skip: skipWithout(sharedPath('corpus'), 'corpus') }, () => {
  let files = 0;
  for (const d of [['real-boot-failures'], ['kernelci-logspec-boot', 'logs'], ['lava-kernel-messages', 'logs']]) {
    const dir = sharedPath('corpus', ...d);
    if (dir === undefined) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.log') && !f.endsWith('.txt')) continue;
      const bytes = readFileSync(join(dir, f));
      same([bytes], f);
      same([bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)], `${f} in two chunks`);
      files++;
    }
  }
  assert.ok(files > 10, `${files} consoles`);
});

test('engines on one knowledge base offer their splitters one byte scan, so its literal tables are built once', (t) => {
  const a = createSignatureEngine().skipper.byteScan;
  const b = createSignatureEngine().skipper.byteScan;
  if (a === undefined) return t.skip('WebAssembly SIMD is not available here; the string search is the only one');
  assert.equal(a, b);
  // The same literal set gives the same table in it (not a second copy).
  assert.equal(a.table(['Kernel panic', 'BUG: ']), a.table(['BUG: ', 'Kernel panic']));
});
