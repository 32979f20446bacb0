// CI gate: the parser against syzkaller's own labelled crash logs (../shared/corpus).
// The floors are the levels reached (rounded down to the percent); a drop fails CI, and
// so does any crash-free log judged to hold a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitLines } from '../../console/index.ts';
import { sharedPath, skipWithout } from '../../../testkit/index.ts';
import { evaluateTitles, parseKernelReport, parseSyzTestFile } from './index.ts';

const folder = sharedPath('corpus', 'syzkaller-linux-report');
const MIN_EXACT_TITLES = 1.0;
const MIN_CORRUPTED_AGREEMENT = 1.0;
const MIN_TYPE_AGREEMENT = 1.0;
const MIN_ALT_AGREEMENT = 1.0;

test('syzkaller corpus: exact titles, no false crash, corrupted flags, classes, alt titles', { skip: skipWithout(folder, 'corpus/syzkaller-linux-report') }, () => {
  const r = evaluateTitles(folder!);
  const misses = r.misses.slice(0, 10).map((m) => `${m.file} ${m.kind}: expected ${m.expected} / got ${m.got}`).join('\n');
  assert.ok(r.cases >= 500, `only ${r.cases} cases found`);
  assert.equal(r.falseCrashes, 0, `crash-free logs judged to crash:\n${misses}`);
  assert.ok(r.exactTitleAccuracy >= MIN_EXACT_TITLES, `exact-title accuracy ${r.exactTitleAccuracy} < ${MIN_EXACT_TITLES}:\n${misses}`);
  assert.ok(r.corruptedAgreement >= MIN_CORRUPTED_AGREEMENT, `corrupted agreement ${r.corruptedAgreement} < ${MIN_CORRUPTED_AGREEMENT}:\n${misses}`);
  assert.ok(r.typeAgreement >= MIN_TYPE_AGREEMENT, `type agreement ${r.typeAgreement} < ${MIN_TYPE_AGREEMENT}:\n${misses}`);
  assert.ok(r.altAgreement >= MIN_ALT_AGREEMENT, `alt-title agreement ${r.altAgreement} < ${MIN_ALT_AGREEMENT}:\n${misses}`);
});

test('syzkaller corpus: CRLF line ends and ANSI colour resets change no title or flag', { skip: skipWithout(folder, 'corpus/syzkaller-linux-report') }, () => {
  let checked = 0;
  for (const name of readdirSync(folder!).filter((f) => /^[0-9]+$/.test(f))) {
    const log = Buffer.from(parseSyzTestFile(readFileSync(join(folder!, name))).log).toString('latin1');
    const plain = parseKernelReport(splitLines(Buffer.from(log, 'latin1')));
    for (const variant of [log.replace(/\n/g, '\r\n'), log.replace(/\n/g, '\x1b[0m\n')]) {
      const r = parseKernelReport(splitLines(Buffer.from(variant, 'latin1')));
      assert.equal(r?.title, plain?.title, name);
      assert.equal(r?.corrupted, plain?.corrupted, name);
    }
    checked++;
  }
  assert.ok(checked >= 500);
});
