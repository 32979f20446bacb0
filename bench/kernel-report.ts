// Speed of the kernel crash-report parser (src/signatures/kernel-report): the syzkaller
// corpus evaluation, the oops scan over a large clean log, a full parse of a large log with a
// crash at its end, and the worst adversarial report we know (1200 lines of repeated
// headers). Prints figures; asserts nothing. Run: node bench/kernel-report.ts
import { readFileSync } from 'node:fs';
import { splitLines } from '../src/console/index.ts';
import { containsKernelCrash, evaluateTitles, parseKernelReport } from '../src/signatures/index.ts';
import { sharedPath } from '../testkit/index.ts';

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const time = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const r = fn();
  return [r, performance.now() - t];
};

parseKernelReport(splitLines('warm up\n')); // loads and compiles the rule file

const corpus = sharedPath('corpus', 'syzkaller-linux-report');
if (corpus !== undefined) {
  const [r, ms] = time(() => evaluateTitles(corpus));
  out(`syzkaller corpus: ${r.cases} cases in ${ms.toFixed(0)} ms (${(ms / r.cases).toFixed(2)} ms/case), exact titles ${(r.exactTitleAccuracy * 100).toFixed(1)}%`);
}

const good = sharedPath('corpus', 'real-boot-failures', 'good-boot-uefi.log');
const crash = sharedPath('corpus', 'real-boot-failures', 'tiny-vfs-unable-to-mount-root.log');
if (good !== undefined && crash !== undefined) {
  const one = readFileSync(good);
  const parts: Buffer[] = [];
  for (let size = 0; size < 50e6; size += one.length) parts.push(one);
  const clean = splitLines(Buffer.concat(parts));
  const mb = (parts.length * one.length) / 1e6;
  const [found, scanMs] = time(() => containsKernelCrash(clean));
  out(`oops scan of ${mb.toFixed(0)} MB of clean boots (${clean.length} lines): ${(mb / scanMs * 1000).toFixed(0)} MB/s, crash=${found}`);
  const withCrash = [...clean, ...splitLines(readFileSync(crash)).map((l) => ({ ...l, no: l.no + clean.length }))];
  const [rep, parseMs] = time(() => parseKernelReport(withCrash));
  out(`parse of the same log with a panic at its end: ${(mb / parseMs * 1000).toFixed(0)} MB/s -> ${rep?.title}`);
}

let worst = 0;
for (const h of ['BUG: ', 'WARNING: ', 'INFO: ', 'Kernel panic - not syncing: ', 'BUG: KASAN: x in f+', 'general protection fault']) {
  const line = `[ 1.0][ T1] ${h.repeat(Math.ceil(2048 / h.length))}`;
  const lines = splitLines(Array.from({ length: 1200 }, () => line).join('\n'));
  worst = Math.max(worst, time(() => parseKernelReport(lines))[1]);
}
out(`worst adversarial report (1200 lines x 2 KB of repeated headers): ${worst.toFixed(0)} ms`);
out(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
