import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLineSplitter, splitLines } from './index.ts';
import type { ConsoleLine } from './index.ts';

test('ANSI colour, cursor and OSC sequences are removed', () => {
  const [l] = splitLines('\x1b[0;32m  OK  \x1b[0m] Reached target \x1b[1mBasic System\x1b[0m.\x1b]0;title\x07\x1b(B\n');
  assert.equal(l?.raw, '  OK  ] Reached target Basic System.');
});

test('a bare CR keeps the text after the last CR (progress lines)', () => {
  const lines = splitLines('[  ***] A start job is running\r[ *** ] A start job is running\r\x1b[K[  OK  ] Started foo\nnext\n');
  assert.equal(lines.length, 2);
  assert.equal(lines[0]?.raw, '[  OK  ] Started foo');
  assert.equal(lines[1]?.raw, 'next');
});

test('CRLF ends a line and a trailing CR before LF keeps the text', () => {
  const lines = splitLines('Booting from Hard Disk...\r\nSeaBIOS\r\n\r\nx\r');
  assert.deepEqual(lines.map((l) => l.raw), ['Booting from Hard Disk...', 'SeaBIOS', '', 'x']);
  assert.deepEqual(lines.map((l) => l.no), [1, 2, 3, 4]);
});

test('kernel timestamp, caller tags and syslog levels are parsed out of text', () => {
  const [a, b, c, d, e] = splitLines(
    '[    1.234567] Linux version 6.1\n[   12.000001][ T123] BUG: KASAN: x\n[    0.5][    C1] rcu: stall\n<6>[    2.5] hello\n<3>plain\n',
  );
  assert.equal(a?.text, 'Linux version 6.1');
  assert.equal(a?.kernelTs, 1.234567);
  assert.equal(a?.raw, '[    1.234567] Linux version 6.1');
  assert.equal(b?.text, 'BUG: KASAN: x');
  assert.equal(b?.caller, 'T123');
  assert.equal(c?.caller, 'C1');
  assert.equal(c?.text, 'rcu: stall');
  assert.equal(d?.level, 6);
  assert.equal(d?.kernelTs, 2.5);
  assert.equal(d?.text, 'hello');
  assert.equal(e?.level, 3);
  assert.equal(e?.text, 'plain');
});

test('indentation after the prefix belongs to the message', () => {
  const [l] = splitLines('[    1.000000]  ? do_syscall_64+0x3b/0x90\n');
  assert.equal(l?.text, ' ? do_syscall_64+0x3b/0x90');
});

test('binary garbage never throws and yields bounded lines', () => {
  const bytes = new Uint8Array(200_000);
  let x = 12345;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  const lines: ConsoleLine[] = [];
  const s = createLineSplitter({ onLine: (l) => lines.push(l), maxLineBytes: 1024, now: () => 0 });
  for (let i = 0; i < bytes.length; i += 777) s.push(bytes.subarray(i, i + 777));
  s.end();
  assert.ok(lines.length > 100);
  for (const l of lines) {
    assert.ok(l.raw.length <= 1024);
    assert.doesNotMatch(l.raw, /[\x00-\x08\x0a-\x1f\x7f]/);
  }
});

test('invalid UTF-8 and CP437 box drawing decode without throwing', () => {
  const lines = splitLines(new Uint8Array([0xc9, 0xcd, 0xbb, 0x0a, 0xe2, 0x94, 0x80, 0x0a]));
  assert.equal(lines.length, 2);
  assert.equal(lines[1]?.raw, '\u2500');
});

test('a 10 MB line without newline stays bounded and is flagged truncated', () => {
  const lines: ConsoleLine[] = [];
  let partialMax = 0;
  const s = createLineSplitter({
    onLine: (l) => lines.push(l),
    onPartial: (t) => (partialMax = Math.max(partialMax, t.length)),
    maxLineBytes: 65536,
    now: () => 0,
  });
  const chunk = 'A'.repeat(64 * 1024);
  for (let i = 0; i < 160; i++) s.push(chunk);
  s.push('\nafter\n');
  s.end();
  assert.equal(lines.length, 2);
  assert.equal(lines[0]?.truncated, true);
  assert.equal(lines[0]?.raw.length, 65536);
  assert.equal(lines[1]?.raw, 'after');
  assert.equal(lines[1]?.no, 2);
  assert.ok(partialMax <= 4096);
});

test('a long CR progress stream without newline collapses instead of truncating', () => {
  const lines: ConsoleLine[] = [];
  const s = createLineSplitter({ onLine: (l) => lines.push(l), maxLineBytes: 1024, now: () => 0 });
  for (let i = 0; i < 10_000; i++) s.push(`\rprogress ${i}%`);
  s.push('\n');
  s.end();
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.raw, 'progress 9999%');
  assert.equal(lines[0]?.truncated, undefined);
});

test('the partial callback sees the unterminated prompt, cleaned, with the clock time', () => {
  const seen: [string, number][] = [];
  let t = 0;
  const s = createLineSplitter({ onLine: () => {}, onPartial: (p, at) => seen.push([p, at]), now: () => t });
  t = 5;
  s.push('Loading, please wait...\n(initr');
  t = 7;
  s.push('amfs) \x1b[0m');
  t = 9;
  s.push('\n');
  assert.deepEqual(seen, [['(initr', 5], ['(initramfs) ', 7]]);
});

test('a multi-byte character split across chunks decodes once', () => {
  const bytes = new TextEncoder().encode('grub> é\n');
  const lines: ConsoleLine[] = [];
  const s = createLineSplitter({ onLine: (l) => lines.push(l), now: () => 3 });
  for (const b of bytes) s.push(new Uint8Array([b]));
  s.end();
  assert.equal(lines[0]?.raw, 'grub> é');
  assert.equal(lines[0]?.atMs, 3);
});

test('an escape sequence split across chunks is removed', () => {
  const lines: ConsoleLine[] = [];
  const s = createLineSplitter({ onLine: (l) => lines.push(l) });
  s.push('ab\x1b[3');
  s.push('1mcd\n');
  s.end();
  assert.equal(lines[0]?.raw, 'abcd');
  assert.ok(lines[0]!.atMs >= 0);
});

test('a too-small maxLineBytes is refused with a console error', () => {
  assert.throws(() => createLineSplitter({ onLine: () => {}, maxLineBytes: 0 }), { code: 'CONSOLE_BAD_OPTION' });
});

test('CRLF split across chunks, and a dirty line among clean ones', () => {
  const lines: ConsoleLine[] = [];
  const s = createLineSplitter({ onLine: (l) => lines.push(l), now: () => 0 });
  s.push('one\r');
  s.push('\ntwo\r\nthr\x1b[1mee\r\nfour\r');
  s.push('\n');
  s.end();
  assert.deepEqual(lines.map((l) => l.raw), ['one', 'two', 'three', 'four']);
});

test('ASCII blocks (Latin-1 fast path) and UTF-8 blocks decode as one UTF-8 stream would', () => {
  // A leading byte-order mark is dropped, a later one kept; characters cut between
  // chunks, invalid bytes and long ASCII runs (several decode blocks) all come out alike.
  const enc = new TextEncoder();
  const ascii = 'x'.repeat(70 * 1024);
  const parts = [new Uint8Array([0xef, 0xbb, 0xbf]), enc.encode(`ok\n${ascii}\nna\u00efve \u2026\n`), new Uint8Array([0xff, 0x41, 0x0a]), enc.encode(`\ufeffmid\n${ascii}\nend \u00e9`)];
  const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    whole.set(p, o);
    o += p.length;
  }
  const expected = new TextDecoder().decode(whole).split('\n');
  for (const step of [1, 2, 3, 7, 4096, 65537, whole.length]) {
    const lines: string[] = [];
    const s = createLineSplitter({ onLine: (l) => lines.push(l.raw), now: () => 0, maxLineBytes: 128 * 1024 });
    for (let i = 0; i < whole.length; i += step) s.push(whole.subarray(i, i + step));
    s.end();
    assert.deepEqual(lines, expected, `chunks of ${step} bytes`);
  }
});

test('blocks with a few non-ASCII lines among ASCII ones decode as one UTF-8 stream would', () => {
  // Such a block is cut into pieces after newlines: ASCII pieces take the Latin-1 path,
  // the others the UTF-8 decoder. Characters cut between chunks and invalid bytes included.
  const enc = new TextEncoder();
  let seed = 5;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < 6000; i++) {
    const r = rnd(40);
    const line = r === 0 ? `box \u2500\u2502 ${i}` : r === 1 ? `caf\u00e9 ${i}` : r === 2 ? 'x'.repeat(rnd(3000)) : `[ ${i}.000000] plain ascii line ${i}`;
    chunks.push(r === 3 ? new Uint8Array([0x41, 0xc3, 0x0a]) : enc.encode(`${line}${rnd(4) === 0 ? '\r\n' : '\n'}`));
  }
  const whole = new Uint8Array(chunks.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of chunks) {
    whole.set(p, o);
    o += p.length;
  }
  const expected = new TextDecoder().decode(whole).split('\n').slice(0, -1).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  for (const step of [3, 1000, 4099, 65536, 200_000, whole.length]) {
    const lines: string[] = [];
    const s = createLineSplitter({ onLine: (l) => lines.push(l.raw), now: () => 0 });
    for (let i = 0; i < whole.length; i += step) s.push(whole.subarray(i, i + step));
    s.end();
    assert.deepEqual(lines, expected, `chunks of ${step} bytes`);
  }
});

test('a byte-order mark after an invalid first byte is kept however the bytes are cut (found by fuzzing)', () => {
  // Node's streaming TextDecoder dropped such a mark when the invalid byte came alone in
  // the first chunk, so the line depended on how the bytes arrived.
  const bytes = new Uint8Array([0xc3, 0xef, 0xbb, 0xbf, 0x3c, 0x36, 0x3e, 0x78, 0x0a, 0xef, 0xbb, 0xbf, 0x79]);
  const expected = new TextDecoder().decode(bytes).split('\n');
  assert.equal(expected[0], '\ufffd\ufeff<6>x');
  for (const cut of [0, 1, 2, 3, 4, 9, 10, 12]) {
    const lines: string[] = [];
    const s = createLineSplitter({ onLine: (l) => lines.push(l.raw), now: () => 0 });
    s.push(bytes.subarray(0, cut));
    s.push(bytes.subarray(cut));
    s.end();
    assert.deepEqual(lines, expected, `cut after ${cut} bytes`);
  }
  const lines: string[] = [];
  const s = createLineSplitter({ onLine: (l) => lines.push(l.raw), now: () => 0 });
  for (const b of [0xef, 0xbb]) s.push(new Uint8Array([b]));
  s.push(new Uint8Array([0xbf, 0x61]));
  s.end();
  assert.deepEqual(lines, ['a'], 'a leading mark cut into single bytes is still dropped');
});
