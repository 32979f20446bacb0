// Kernel crash-report titles (H1a): finds the first Linux oops in console lines and forms
// its title the way syzkaller does. The formats live in linux-oopses.yaml.
export { parseKernelReport, containsKernelCrash, isFirmwareLine } from './parse-report.ts';
export type { KernelReport, KernelReportOptions } from './parse-report.ts';
export { parseSyzTestFile } from './syz-test-file.ts';
export type { SyzTestCase } from './syz-test-file.ts';
export { evaluateTitles } from './evaluate-titles.ts';
export type { TitleEvaluation, TitleMiss } from './evaluate-titles.ts';
export { normalizeTitle } from './normalize-title.ts';
export { linuxRules, compileRules, oopsRulesAsJson } from './rules.ts';
export { kernelReportErrors } from './errors.ts';
