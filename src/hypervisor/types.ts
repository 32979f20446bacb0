import type { VmSpec } from '../config/index.ts';
import type { BootmedicError } from '../core/index.ts';

/** The accelerator a VM runs under: hardware (KVM) or QEMU's emulator (TCG). */
export type Accel = 'kvm' | 'tcg';

/** How a QEMU process ended. `error` is set when the end was not asked for and not a clean guest power-off. */
export type ExitInfo = Readonly<{
  code: number | null;
  signal: string | null;
  /** QEMU's own stderr (bounded), kept for the record. */
  stderr: string;
  error?: BootmedicError;
  atMs: number;
}>;

/** One thing a running VM did, in arrival order; atMs is ms since the QEMU process was spawned. */
export type VmEvent =
  | { type: 'console'; chunk: Uint8Array; atMs: number }
  /**
   * A QMP event. `repeat` marks a RESET that follows the previous RESET within 1 s with no
   * console byte in between: one guest reboot raises a burst of 2-8 RESET events (the
   * kernel tries several reset methods before the first takes effect; seen with QEMU 7.2
   * TCG, testkit/consoles/bootloop.jsonl), and a boot-loop counter must count the burst once.
   */
  | { type: 'qmp'; event: string; data: Record<string, unknown>; atMs: number; repeat?: true }
  | ({ type: 'exit' } & ExitInfo);

/** A running QEMU process with its console, QMP connection and exit. */
export interface VmProcess {
  readonly pid: number;
  readonly accel: Accel;
  readonly runDir: string;
  /** The exact QEMU argv (for the record). */
  readonly argv: readonly string[];
  /** Subscribes to events; the first subscriber also receives everything that arrived before it. Returns an unsubscribe function. */
  onEvent(fn: (ev: VmEvent) => void): () => void;
  /** Runs a QMP command; HV_QMP_TIMEOUT / HV_QMP_ERROR / HV_QMP_CLOSED on failure. */
  qmp(command: string, args?: Record<string, unknown>): Promise<unknown>;
  /** Writes bytes to the guest's serial console (its stdin). */
  sendConsole(data: string | Uint8Array): void;
  /** QMP quit → SIGTERM → SIGKILL, each after `graceMs`; always reaped. */
  stop(opts?: { graceMs?: number }): Promise<ExitInfo>;
  readonly exited: Promise<ExitInfo>;
}

/** Options of one launch. */
export type LaunchOptions = {
  /** Directory for this boot's sockets, disk overlays and firmware variables. */
  runDir: string;
  signal?: AbortSignal;
  /** Overrides VmSpec.accel and the probe. */
  accel?: Accel;
  /** How long to wait for QEMU's QMP greeting and replies (default 10 s). */
  qmpTimeoutMs?: number;
};

/** The accelerator verdict, with the reason shown to the user. */
export type AccelVerdict = { accel: Accel; reason: string };

/** What a built guest boots from: direct kernel boot and/or disk images. */
export type GuestArtifacts = Readonly<{
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  disks?: readonly { path: string; format: 'qcow2' | 'raw' }[];
  /** Paths to show the user, last line of `bootmedic guest build`. */
  paths: readonly string[];
}>;

/** A UEFI firmware build: read-only code and the variable-store template each boot copies. */
export type UefiFirmware = Readonly<{ code: string; vars: string }>;

/**
 * What the composition root tells a backend about the guests it boots: the UEFI firmware
 * files (plain and Secure Boot) and a lookup of a named guest's built artefacts. The
 * hypervisor never builds or locates guests itself; guest/ does, cli/ wires it in.
 */
export type GuestSource = Readonly<{
  firmware: Readonly<{ uefi: UefiFirmware; secureBoot: UefiFirmware }>;
  /** The artefacts of `spec.guest` (GUEST_NOT_BUILT when absent). */
  artifacts(spec: VmSpec): Promise<GuestArtifacts>;
}>;

/** A hypervisor backend: QEMU today, libvirt later. */
export interface Hypervisor {
  /** Which accelerator really works here (KVM only when a short real boot succeeds); cached. */
  probeAccel(opts?: { signal?: AbortSignal; fresh?: boolean }): Promise<AccelVerdict>;
  /** Starts one boot of `spec`: overlays, QEMU, QMP negotiated, guest running. */
  launch(spec: VmSpec, opts: LaunchOptions): Promise<VmProcess>;
}
