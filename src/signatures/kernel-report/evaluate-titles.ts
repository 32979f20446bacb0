// Measures the parser against a folder of syzkaller-format test cases: exact titles,
// crash / no-crash agreement and corrupted-flag agreement, with the list of misses.
import { readdirSync } from 'node:fs';
import { checkPath, LIMIT, readGuarded } from '../../core/index.ts';
import { join } from 'node:path';
import { splitLines } from '../../console/index.ts';
import { kernelReportErrors } from './errors.ts';
import { containsKernelCrash, parseKernelReport } from './parse-report.ts';
import { parseSyzTestFile } from './syz-test-file.ts';

/** One case where the parser disagreed with the expected label. */
export type TitleMiss = {
  file: string;
  kind: 'title' | 'false-crash' | 'missed-crash' | 'corrupted' | 'type' | 'alt';
  expected: string; got: string;
};

/** Figures of one evaluation run. */
export type TitleEvaluation = {
  folder: string;
  cases: number;
  crashCases: number;
  exactTitles: number;
  /** Exact titles / cases (a crash-free case counts as exact when no crash is found). */
  exactTitleAccuracy: number;
  crashAgreement: number;
  falseCrashes: number;
  missedCrashes: number;
  corruptedAgreement: number;
  /** Crash-class (TYPE) agreement over the crash cases. */
  typeAgreement: number;
  /** Alternative-title (ALT set) agreement over the crash cases. */
  altAgreement: number;
  misses: TitleMiss[];
};

// Test-case files carry numeric names upstream; other files (SOURCE.md, README) are not cases.
const CASE_NAME = /^[0-9]+$/;

function listCases(folder: string): string[] {
  checkPath(folder, { what: 'test-case folder', kind: 'directory', missing: () => kernelReportErrors.make('SIGNATURES_KREPORT_BAD_FOLDER', `${folder}: cannot read the folder: no such folder`) });
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch (e) {
    throw kernelReportErrors.make('SIGNATURES_KREPORT_BAD_FOLDER', `${folder}: cannot read the folder: ${(e as Error).message}`, { cause: e });
  }
  const cases = names.filter((n) => CASE_NAME.test(n)).sort((a, b) => Number(a) - Number(b));
  if (cases.length === 0) {
    throw kernelReportErrors.make('SIGNATURES_KREPORT_BAD_FOLDER', `${folder}: holds no test cases (files named by numbers)`);
  }
  return cases;
}

/** Runs the parser over every case in `folder` and compares with the expected labels. */
export function evaluateTitles(folder: string): TitleEvaluation {
  const misses: TitleMiss[] = [];
  let exact = 0, crashAgree = 0, falseCrashes = 0, missedCrashes = 0, corruptedAgree = 0, crashCases = 0, typeAgree = 0, altAgree = 0;
  const names = listCases(folder);
  for (const name of names) {
    const tc = parseSyzTestFile(readGuarded(join(folder, name), { what: 'test case', maxBytes: LIMIT.DATA_FILE_MAX_BYTES }));
    const lines = splitLines(tc.log);
    const rep = parseKernelReport(lines);
    const contains = containsKernelCrash(lines);
    const got = rep?.title;
    if (tc.title === undefined) {
      if (rep === undefined && !contains) {
        exact++; crashAgree++; corruptedAgree++;
      } else {
        falseCrashes++;
        misses.push({ file: name, kind: 'false-crash', expected: '(no crash)', got: got ?? '(crash line, no report)' });
      }
      continue;
    }
    crashCases++;
    if (rep === undefined) {
      missedCrashes++;
      misses.push({ file: name, kind: 'missed-crash', expected: tc.title, got: '(no crash)' });
      continue;
    }
    crashAgree++;
    if (rep.title === tc.title) exact++;
    else misses.push({ file: name, kind: 'title', expected: tc.title, got: rep.title });
    const alt = [...(rep.alt ?? [])].sort();
    if (alt.join('\n') === tc.alt.join('\n')) altAgree++;
    else misses.push({ file: name, kind: 'alt', expected: tc.alt.join(' | ') || '(none)', got: alt.join(' | ') || '(none)' });
    if (rep.type === tc.type) typeAgree++;
    else misses.push({ file: name, kind: 'type', expected: tc.type ?? '(none)', got: rep.type ?? '(none)' });
    if (rep.corrupted === tc.corrupted) corruptedAgree++;
    else misses.push({ file: name, kind: 'corrupted', expected: tc.corrupted ? 'corrupted' : 'not corrupted', got: `${rep.corrupted ? 'corrupted' : 'not corrupted'} (${rep.corruptedReason ?? 'no reason'})` });
  }
  const n = names.length;
  return {
    folder, cases: n, crashCases, exactTitles: exact,
    exactTitleAccuracy: exact / n,
    crashAgreement: crashAgree / n,
    falseCrashes, missedCrashes,
    corruptedAgreement: corruptedAgree / n,
    typeAgreement: crashCases === 0 ? 1 : typeAgree / crashCases,
    altAgreement: crashCases === 0 ? 1 : altAgree / crashCases,
    misses,
  };
}
