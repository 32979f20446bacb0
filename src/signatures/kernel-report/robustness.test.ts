// Adversarial input must neither throw nor hang: every pattern is either anchored, behind a
// substring pre-filter, or runs on lines cut to a bounded length.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { splitLines } from '../../console/index.ts';
import { isBootmedicError } from '../../core/index.ts';
import { compileRules, containsKernelCrash, oopsRulesAsJson, parseKernelReport } from './index.ts';

const HEADERS = ['BUG: KASAN: ', 'WARNING: ', 'INFO: task ', 'general protection fault', 'Kernel panic - not syncing: ', 'kernel BUG at ', 'BUG: Dentry ', 'UBSAN: ', '[ 1.0] ', ' login: ', '0x', 'a', ' ', '9'];

test('100 KB lines of repeated fragments finish and do not throw', () => {
  for (const h of HEADERS) {
    const line = h.repeat(Math.ceil(100_000 / h.length));
    const log = `${line}\n${line}\nCall Trace:\n${line}\n`;
    const lines = splitLines(log);
    containsKernelCrash(lines);
    const r = parseKernelReport(lines);
    if (r !== undefined) assert.ok(r.title.length <= 120, `title too long for ${JSON.stringify(h)}`);
  }
});

test('random bytes and randomly mutated reports do not throw', () => {
  const base = new TextEncoder().encode('[ 1.0][ T1] BUG: KASAN: use-after-free in f+0x1/0x2\n[ 1.1][ T1] Read of size 8 at addr ffff888000001234\n[ 1.2][ T1] Call Trace:\n[ 1.3][ T1]  g+0x1/0x2\n');
  for (let i = 0; i < 200; i++) {
    const junk = randomBytes(2048);
    parseKernelReport(splitLines(junk));
    const m = Uint8Array.from(base);
    for (let k = 0; k < 8; k++) m[(junk[k]! * 7 + k) % m.length] = junk[k + 8]!;
    const r = parseKernelReport(splitLines(m));
    if (r !== undefined) assert.equal(typeof r.title, 'string');
  }
});

test('a rule file with a missing key or a broken pattern is refused, naming the entry', () => {
  assert.throws(() => compileRules('version: 1\n'), (e) => isBootmedicError(e, 'SIGNATURES_KREPORT_BAD_RULES'));
  const good = readFileSync(new URL('./linux-oopses.yaml', import.meta.url), 'utf8');
  const bad = good.replace("- title: 'BUG: KASAN:'", "- title: 'BUG: KASAN:('");
  assert.notEqual(bad, good);
  assert.throws(() => compileRules(bad), (e) => isBootmedicError(e, 'SIGNATURES_KREPORT_BAD_RULES') && e.message.includes('oopses[0].formats[0].title'));
  // A title that does not begin with its family's header could never be tried: refused.
  const unheaded = good.replace("- title: 'BUG: KASAN:'", "- title: 'KASAN:'");
  assert.throws(() => compileRules(unheaded), (e) => isBootmedicError(e, 'SIGNATURES_KREPORT_BAD_RULES') && e.message.includes('must start with its header'));
});

test('linux-oopses.json, which the engine loads, is linux-oopses.yaml as written by scripts/build-kb.ts', () => {
  const yaml = readFileSync(new URL('./linux-oopses.yaml', import.meta.url), 'utf8');
  const json = readFileSync(new URL('./linux-oopses.json', import.meta.url), 'utf8');
  assert.ok(json === oopsRulesAsJson(yaml), 'linux-oopses.json differs from linux-oopses.yaml: run node scripts/build-kb.ts');
  // Both forms compile to the same rules, and bad JSON is refused like bad YAML.
  assert.deepEqual(compileRules(json, 'linux-oopses.json').oopses.map((o) => o.header), compileRules(yaml).oopses.map((o) => o.header));
  assert.throws(() => compileRules('{"version": 1,', 'x.json'), (e) => isBootmedicError(e, 'SIGNATURES_KREPORT_BAD_RULES') && e.message.includes('not valid JSON'));
});

test('a thousand lines of repeated headers in one context finish and do not throw', () => {
  for (const h of ['BUG: ', 'WARNING: ', 'BUG: KASAN: x in f+', 'Kernel panic - not syncing: ']) {
    const line = `[ 1.0][ T1] ${h.repeat(Math.ceil(2048 / h.length))}`;
    const r = parseKernelReport(splitLines(Array.from({ length: 1200 }, () => line).join('\n')));
    assert.ok(r !== undefined && r.title.length <= 120);
  }
});
