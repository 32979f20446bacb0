// The vocabulary of findings, shared by the engine, the CLI and the boot supervisor. Boot
// phases are the shared ones of core/ (BOOT_PHASES), re-exported here for the kb schema.
import type { BootPhase } from '../core/index.ts';

export { BOOT_PHASES } from '../core/index.ts';
export type { BootPhase } from '../core/index.ts';

/** Which part of the boot chain printed or caused the message. */
export const COMPONENTS = ['firmware', 'bootloader', 'kernel', 'initramfs', 'init', 'hypervisor', 'storage'] as const;
export type Component = (typeof COMPONENTS)[number];
/** Which layer is most likely to blame. */
export const LAYERS = ['hardware', 'hypervisor', 'image/bootloader', 'guest-kernel', 'guest-userspace', 'storage', 'network', 'resources'] as const;
export type Layer = (typeof LAYERS)[number];
/** 'info' is a progress marker, not a failure. */
export const SEVERITIES = ['info', 'warning', 'error', 'fatal'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One recognised message in a boot's output, with the lines that prove it. */
export type Finding = {
  /** Stable rule id, e.g. "kernel.panic.vfs-root", "grub.file-not-found", "phase.kernel". */
  id: string;
  /** e.g. "kernel-panic", "grub", "initramfs-shell", "systemd-emergency", "oom", "progress", "incomplete-boot". */
  family: string;
  title: string;
  component: Component;
  layer: Layer;
  severity: Severity;
  /** Phase the boot was in when this was seen (a progress marker: the phase it marks). */
  phase: BootPhase;
  /** True when this alone means the boot will not reach ready. */
  stopsBoot: boolean;
  /** line = ConsoleLine.no, text = raw line. */
  evidence: { line: number; text: string }[];
  /** Arrival time of the last evidence line. */
  atMs?: number;
  /** Kernel crash reports: the report looks corrupted (interleaved or cut). */
  corrupted?: boolean;
  /** Guilty frame when known. */
  frame?: string;
  /** Windows bugchecks. */
  stopCode?: { code: string; name: string; params: string[] };
  /**
   * The boot went on past this message (its rule's recovery): it reached `phase`, so the
   * finding carries the rule's lower severity instead of `from`. `evidence` is the line
   * that showed it, when the engine saw one.
   */
  recovered?: { from: Severity; phase: BootPhase; evidence?: { line: number; text: string } };
  /** Where the pattern's wording was verified. */
  source?: string;
};

/** A ready signal: a substring of the message text, or a regular expression tested on it. */
export type ReadyMatcher = string | RegExp;

export type EngineOptions = {
  /** Replaces the default ready markers (login prompt, multi-user/graphical target, "bootmedic-ready"). */
  ready?: ReadyMatcher[];
  /** Findings handed on for one log; later ones are counted only (default FINDINGS_PER_BOOT_MAX). */
  maxFindings?: number;
};
