// What the engine knows of one boot so far. The engine writes it; its parts (the report
// window, the skip path) read it. Plain data: a test can build one by hand.
import { consoleLineAt } from '../console/index.ts';
import type { ConsoleLine } from '../console/index.ts';
import type { BootPhase, Finding } from './types.ts';

/** A remembered line: built (`line`) or still offsets into its decoded block. */
export type Slot = { line: ConsoleLine | undefined; src: string; from: number; to: number; no: number; atMs: number };
export const newSlot = (): Slot => ({ line: undefined, src: '', from: 0, to: 0, no: 0, atMs: 0 });
/** The slot's line, built on first use. */
export const lineOf = (z: Slot): ConsoleLine => (z.line ??= consoleLineAt(z.src, z.from, z.to, z.no, z.atMs));

export type BootState = {
  phase: BootPhase;
  ready: boolean;
  /** A fatal or stopsBoot finding was seen. */
  failed: boolean;
  /** A firmware or bootloader marker was seen. */
  sawPreKernel: boolean;
  /** The kernel's lines carry timestamps (printk time). */
  sawKernelTs: boolean;
  lastNo: number;
  /** The last line with a message: `lastSlot` when it was passed over, else `lastLine`. */
  lastLine: ConsoleLine | undefined;
  lastSlot: Slot | undefined;
  /** Findings reported per rule id (a flooding rule is reported a bounded number of times). */
  perRule: Map<string, number>;
  /** Prompt rules already reported (each prompt once). */
  prompts: Set<string>;
};

export const newBootState = (): BootState => ({
  phase: 'firmware', ready: false, failed: false, sawPreKernel: false, sawKernelTs: false,
  lastNo: 0, lastLine: undefined, lastSlot: undefined, perRule: new Map(), prompts: new Set(),
});

/** Hands a finding on (the engine's emit: quota per rule, release of held findings). */
export type Emit = (out: Finding[], f: Finding) => void;
