// console/: bytes → lines. ANSI and CR stripping, kernel timestamp / syslog level /
// caller-tag prefixes, bounded line length, and the bounded raw console file.
// It knows nothing about crashes (signatures/ does).
export { consoleLineAt, createLineSplitter, splitLines } from './line-splitter.ts';
export type { ConsoleLine, LineSkipper, LineSplitter, LineSplitterOptions } from './line-splitter.ts';
export { createConsoleRecorder } from './console-recorder.ts';
export type { ConsoleRecorder } from './console-recorder.ts';
export { cleanLine } from './clean-line.ts';
export { createByteScan } from './byte-scan.ts';
export type { ByteBlock, ByteScan, LiteralTable } from './byte-scan.ts';
export { createLiteralFinder, createLiteralScan } from './literal-scan.ts';
export type { LiteralFinder } from './literal-scan.ts';
export { parsePrefix, parsePrefixInto } from './prefix.ts';
export type { Prefix, PrefixScratch } from './prefix.ts';
export { consoleErrors } from './errors.ts';
