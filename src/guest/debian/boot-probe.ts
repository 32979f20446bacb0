// A self-test boot of a built image: a qcow2 overlay on the raw image (the image is never
// written), QEMU with the console on stdio, and the first time each boot phase shows on
// the console. It stops QEMU as soon as the login prompt appears. The supervisor proper
// lives in hypervisor/ and boot/; this only proves what the builder made.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool } from '../../core/index.ts';
import { BUILD_ENV } from './build-env.ts';
import { OVMF_SECURE_BOOT } from '../firmware.ts';
import { debianQemuArgs } from './qemu-args.ts';
import type { DebianFirmware } from './recipe.ts';

/** The boot phases of the Debian guest, in the order they must appear. */
export const DEBIAN_PHASES = ['firmware', 'grub', 'kernel', 'initramfs', 'systemd', 'login'] as const;
export type DebianPhase = (typeof DEBIAN_PHASES)[number];

// First console text of each phase (on lines cleaned of ANSI and CR). Firmware: OVMF's
// BdsDxe or SeaBIOS's banner; GRUB: its menu title or our grub.cfg echo; kernel: the
// banner; initramfs: the kernel handing over to /init; systemd: its banner; login: getty.
const MARKERS: Readonly<Record<DebianPhase, RegExp>> = {
  firmware: /BdsDxe:|SeaBIOS \(version/,
  grub: /GNU GRUB|Loading Linux /,
  kernel: /Linux version \d/,
  initramfs: /Run \/init as init process/,
  systemd: /systemd\[1\]: |Welcome to .*Debian/,
  login: /^\S+ login: /m,
};

/** The outcome of a probe boot. */
export type ProbeResult = { reachedLogin: boolean; seconds: number; marks: { phase: DebianPhase; seconds: number }[]; console: Buffer; chunks: { atMs: number; bytes: Buffer }[]; argv: string[]; exit: number | string | null; stderr: string };

/** Where each phase's marker first appears in a whole console (cleaned), for order checks. */
export function phaseOffsets(consoleBytes: Buffer): Partial<Record<DebianPhase, number>> {
  const text = clean(consoleBytes.toString('latin1'));
  const out: Partial<Record<DebianPhase, number>> = {};
  for (const ph of DEBIAN_PHASES) {
    const m = new RegExp(MARKERS[ph].source, MARKERS[ph].flags.replace('g', '')).exec(text);
    if (m) out[ph] = m.index;
  }
  return out;
}

function clean(s: string): string {
  // CSI sequences, then lone CRs (OVMF and GRUB redraw with them).
  return s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1b[()][0-9A-Za-z]/g, '').replace(/\r/g, '\n');
}

/** Boots `image` until the login prompt or `timeoutMs`, recording when each phase first shows; `secureBoot` (UEFI) uses OVMF's secure-boot build. */
export async function probeBoot(o: { image: string; firmware: DebianFirmware; secureBoot?: boolean; timeoutMs?: number; memoryMiB?: number; signal?: AbortSignal }): Promise<ProbeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'bootmedic-debian-probe-'));
  try {
    let secureBootVars: string | undefined;
    if (o.secureBoot === true && o.firmware === 'uefi') {
      secureBootVars = join(dir, 'efivars.fd');
      copyFileSync(OVMF_SECURE_BOOT.vars, secureBootVars);
    }
    const overlay = join(dir, 'overlay.qcow2');
    await runTool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', o.image, '-F', 'raw', overlay], { env: BUILD_ENV, ...(o.signal ? { signal: o.signal } : {}) });
    return await new Promise<ProbeResult>((resolvePromise, reject) => {
      const t0 = Date.now();
      const argv = debianQemuArgs({ disk: overlay, firmware: o.firmware, ...(o.memoryMiB ? { memoryMiB: o.memoryMiB } : {}), ...(secureBootVars ? { secureBootVars } : {}) });
      const q = spawn('qemu-system-x86_64', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      const chunks: { atMs: number; bytes: Buffer }[] = [];
      let text = '';
      const marks: ProbeResult['marks'] = [];
      let reached = false;
      const stop = (): void => {
        q.kill('SIGKILL');
      };
      const timer = setTimeout(stop, o.timeoutMs ?? 180_000);
      o.signal?.addEventListener('abort', stop, { once: true });
      q.stdout.on('data', (b: Buffer) => {
        chunks.push({ atMs: Date.now() - t0, bytes: b });
        // latin1 keeps GRUB's CP437 box bytes one char each; only ASCII markers are matched.
        text = clean(text.slice(-4096) + b.toString('latin1'));
        for (const ph of DEBIAN_PHASES) {
          if (marks.some((m) => m.phase === ph)) continue;
          if (MARKERS[ph].test(text)) marks.push({ phase: ph, seconds: (Date.now() - t0) / 1000 });
        }
        if (!reached && marks.some((m) => m.phase === 'login')) {
          reached = true;
          // Give the prompt's trailing bytes a moment to arrive, then stop the guest.
          setTimeout(stop, 300);
        }
      });
      let err = '';
      q.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-2000)));
      q.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      q.on('close', (code, sig) => {
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', stop);
        const loginAt = marks.find((m) => m.phase === 'login')?.seconds;
        resolvePromise({ reachedLogin: reached, seconds: loginAt ?? (Date.now() - t0) / 1000, marks, console: Buffer.concat(chunks.map((c) => c.bytes)), chunks, argv: ['qemu-system-x86_64', ...argv], exit: code ?? sig, stderr: err.trim() });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
