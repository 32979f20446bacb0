// Shared bits of the real-QEMU hypervisor tests: the app config, the tiny guest check and
// a waiter on VM events with a generous timeout (never a fixed sleep).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAppConfig } from '../src/config/index.ts';
import { resolveTinyGuest } from '../src/guest/index.ts';
import type { VmEvent, VmProcess } from '../src/hypervisor/index.ts';

export const app = resolveAppConfig();

/** The node:test skip reason when the tiny guest is not built. */
export function skipWithoutTiny(): string | false {
  try {
    resolveTinyGuest(app);
    return false;
  } catch {
    return "the tiny guest is not built (run 'bootmedic guest build tiny' or scripts/setup.sh); skipping";
  }
}

export function runDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `bm-test-${tag}-`));
}

/** True while a process with this pid exists (and is not a zombie we already reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the first event `pred` accepts, collecting console text; rejects after `ms`. */
export function waitFor(vm: VmProcess, pred: (ev: VmEvent, consoleText: string) => boolean, ms = 120_000): Promise<{ ev: VmEvent; text: string }> {
  return new Promise((resolve, reject) => {
    let text = '';
    let done = false;
    let off = () => {};
    const timer = setTimeout(() => {
      done = true;
      off();
      reject(new Error(`event not seen within ${ms} ms; console tail: ${text.slice(-400)}`));
    }, ms);
    off = vm.onEvent((ev) => {
      if (done) return;
      if (ev.type === 'console') text += Buffer.from(ev.chunk).toString('latin1');
      if (pred(ev, text)) {
        done = true;
        clearTimeout(timer);
        queueMicrotask(() => off());
        resolve({ ev, text });
      }
    });
  });
}
