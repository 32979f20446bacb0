// Hostile input: the engine must stay linear, never throw and never hang. No timings are
// asserted (bench/signatures.ts measures speed); linearity is checked by counting work:
// each pattern sees a bounded slice, so a 100 KB line costs a bounded number of steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, cpSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeLog, createSignatureEngine, loadKb } from './index.ts';
import { createLineSplitter } from '../console/index.ts';

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

const kb = loadKb();
const anchors = [...kb.rules.map((r) => r.anchor), ...kb.kernel.headers.map((h) => h.anchor), ...kb.markers.map((m) => m.anchor)];

test('100 KB lines of repeated characters and repeated anchors complete', () => {
  const lines: string[] = [];
  for (const ch of ['a', ' ', '(', '"', '`', "'", '0', '[', '\t', 'é']) lines.push(ch.repeat(100_000));
  for (const a of anchors.slice(0, 60)) lines.push(a.repeat(Math.ceil(100_000 / a.length)).slice(0, 100_000));
  for (const a of ['error: file `', 'BdsDxe: failed to load Boot0001 "', 'ALERT!  ', 'STOP: 0x', 'WinBSOD: Synthetic MSR[0x40000100] 0x']) lines.push(a + 'x'.repeat(100_000));
  const r = analyzeLog(lines.join('\n'));
  assert.equal(r.lines, lines.length);
});

test('random bytes never throw', () => {
  const next = rng(7);
  for (let round = 0; round < 20; round++) {
    const bytes = new Uint8Array(50_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
    const r = analyzeLog(bytes);
    assert.ok(r.lines > 0);
  }
});

test('fuzz: mutated real-looking logs streamed in random chunks never throw', () => {
  const base = [
    'SeaBIOS (version 1.16)', 'Booting from Hard Disk...', 'Welcome to GRUB!', "error: file `/boot/vmlinuz' not found.",
    'Linux version 6.1.0', '[    1.000000] BUG: kernel NULL pointer dereference, address: 0000000000000010',
    '[    1.000001] RIP: 0010:foo+0x1/0x2', '[    1.000002] Call Trace:', '[    1.000003] ---[ end trace 0000 ]---',
    '[    2.0][ T1] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)',
    'Begin: Running /scripts/local-block ... done.', 'ALERT!  UUID=1 does not exist.  Dropping to a shell!', '(initramfs) ',
    '\x1b[0;1;31mFAILED\x1b[0m] Failed to mount /srv.', 'You are in emergency mode.', 'vm login: ',
    '2024-01-01T00:00:00.000Z| vcpu-0| I125: WinBSOD: Synthetic MSR[0x40000100] 0xdeadbeefcafe',
    '*** STOP: 0x0000007B (0x1,0x2,0x3,0x4)', '------------[ cut here ]------------', 'WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2',
  ];
  const next = rng(42);
  const enc = new TextEncoder();
  for (let round = 0; round < 300; round++) {
    let log = '';
    const n = 5 + Math.floor(next() * 60);
    for (let i = 0; i < n; i++) {
      let l = base[Math.floor(next() * base.length)]!;
      const op = Math.floor(next() * 6);
      const at = Math.floor(next() * (l.length + 1));
      if (op === 0) l = l.slice(0, at);
      else if (op === 1) l = l.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x3000)) + l.slice(at);
      else if (op === 2) l = l.slice(0, at) + '\r' + l.slice(at);
      else if (op === 3) l = l + l;
      else if (op === 4) l = l.slice(0, at) + '\x1b[' + l.slice(at);
      log += l + (next() < 0.9 ? '\n' : '');
    }
    const bytes = enc.encode(log);
    const engine = createSignatureEngine();
    const s = createLineSplitter({ onLine: (l) => engine.push(l), onPartial: (t, a) => engine.partial(t, a), now: () => 0 });
    for (let i = 0; i < bytes.length; ) {
      const k = 1 + Math.floor(next() * 200);
      s.push(bytes.subarray(i, i + k));
      i += k;
    }
    s.end();
    const end = engine.end();
    assert.ok(Array.isArray(end));
  }
});

test('the phase table is data: every phase needs a component and a layer of the vocabulary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-kb-'));
  try {
    cpSync(new URL('./kb/', import.meta.url), dir, { recursive: true });
    const url = pathToFileURL(`${dir}/`);
    const file = join(dir, 'progress.json');
    const good = JSON.parse(readFileSync(file, 'utf8')) as { phases: Record<string, Record<string, unknown>> };
    const changed = structuredClone(good);
    changed.phases['ready'] = { component: 'kernel', layer: 'guest-kernel' };
    writeFileSync(file, JSON.stringify(changed));
    // The table decides the component and layer of the phase's own findings.
    const f = analyzeLog('vm login: \n', { kb: loadKb(url) }).findings.find((x) => x.id === 'phase.ready');
    assert.deepEqual([f?.component, f?.layer], ['kernel', 'guest-kernel']);
    const missing = structuredClone(good);
    delete missing.phases['initramfs'];
    writeFileSync(file, JSON.stringify(missing));
    assert.throws(() => loadKb(url), (e: Error & { code?: string }) => e.code === 'SIGNATURES_KB_INVALID' && /phases/.test(e.message));
    const unknown = structuredClone(good);
    unknown.phases['kernel'] = { component: 'kernel', layer: 'nowhere' };
    writeFileSync(file, JSON.stringify(unknown));
    assert.throws(() => loadKb(url), (e: Error & { code?: string }) => e.code === 'SIGNATURES_KB_INVALID' && /phases\.kernel\.layer/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the knowledge base refuses unsafe or malformed patterns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-kb-'));
  try {
    const src = new URL('./kb/', import.meta.url);
    cpSync(src, dir, { recursive: true });
    const url = pathToFileURL(`${dir}/`);
    const file = join(dir, 'boot-chain.json');
    const good = JSON.parse(readFileSync(file, 'utf8')) as { rules: Record<string, unknown>[] };
    for (const [pattern, why] of [['^(a+)+$', /nested quantifier|unbounded/], ['^error: (.*) x', /unbounded/], ['^(', /valid regular/]] as const) {
      const bad = structuredClone(good);
      bad.rules[0]!['pattern'] = pattern;
      writeFileSync(file, JSON.stringify(bad));
      assert.throws(() => loadKb(url), (e: Error & { code?: string }) => e.code === 'SIGNATURES_KB_INVALID' && why.test(e.message));
    }
    const dup = structuredClone(good);
    dup.rules.push({ ...dup.rules[0]! });
    writeFileSync(file, JSON.stringify(dup));
    assert.throws(() => loadKb(url), /duplicate id/);
    const extra = structuredClone(good);
    extra.rules[0]!['bogus'] = 1;
    writeFileSync(file, JSON.stringify(extra));
    assert.throws(() => loadKb(url), { code: 'SIGNATURES_KB_INVALID' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rule added as data is matched without code changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-kb-'));
  try {
    cpSync(new URL('./kb/', import.meta.url), dir, { recursive: true });
    const file = join(dir, 'boot-chain.json');
    const d = JSON.parse(readFileSync(file, 'utf8')) as { rules: unknown[] };
    d.rules.push({ id: 'test.widget', family: 'widget', anchor: 'Widget jammed', pattern: '^Widget jammed: (\\S{1,20})', title: 'widget {1} jammed', component: 'init', layer: 'guest-userspace', severity: 'fatal', stopsBoot: true, description: 'A test rule added as data.', source: 'this test' });
    writeFileSync(file, JSON.stringify(d));
    const r = analyzeLog('Widget jammed: w1\n', { kb: loadKb(pathToFileURL(`${dir}/`)) });
    assert.equal(r.findings.find((f) => f.id === 'test.widget')?.title, 'widget w1 jammed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
