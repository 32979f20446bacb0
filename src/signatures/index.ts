// signatures/: the boot-failure knowledge base (data under kb/) and the streaming
// matcher that turns console lines into findings. Depends only on console/ and core/.
export { createSignatureEngine } from './engine.ts';
export type { SignatureEngine } from './engine.ts';
export { analyzeLog, analyzeStream, findingsFromHypervisorLog, isFailure, stopsBoot, lastPhaseOf, scanStream } from './analyze-log.ts';
export type { LogAnalysis, LogSummary } from './analyze-log.ts';
export { decodeStopCode, findingsFromQmpPanic } from './stop-codes.ts';
export { loadKb, defaultKb } from './kb.ts';
export type { Kb, Rule, Marker, CrashHeader } from './kb.ts';
export { signaturesErrors } from './errors.ts';
// kernel-report/: syzkaller-style crash titles, their evaluation against labelled corpora, and the rules file.
export { parseKernelReport, containsKernelCrash, evaluateTitles, oopsRulesAsJson } from './kernel-report/index.ts';
export type { KernelReport, TitleEvaluation, TitleMiss } from './kernel-report/index.ts';
export { BOOT_PHASES, COMPONENTS, LAYERS, SEVERITIES } from './types.ts';
export type { BootPhase, Component, EngineOptions, Finding, Layer, ReadyMatcher, Severity } from './types.ts';
