// A scripted HealTarget for heal/ logic tests: no QEMU, outcomes decided by a script.
// The real target (QEMU, qemu-img snapshots, image repairs) is the composition root's;
// tests under test/ prove it on real VMs.
import type { BootResult, HandOverReport, HealTarget, Remedy, RemedyContext } from '../src/heal/index.ts';
import type { Evidence } from '../src/diagnose/index.ts';

export type FakeHealTargetOptions = {
  context: RemedyContext;
  /** The verification boot after a remedy: by remedy id, the result of each attempt in turn (the last repeats). Default: failed. */
  outcomes?: Record<string, BootResult['status'][]>;
  /** When given, the verification boots' results in order, whatever the remedy (the last repeats); overrides `outcomes`. */
  boots?: BootResult['status'][];
  /** Evidence returned with a failed verification boot after the given remedy. */
  evidence?: Record<string, Evidence>;
  /** Remedies whose apply throws. */
  failApply?: string[];
  /** When true, snapshotForForensics throws. */
  failSnapshot?: boolean;
  /** Called after apply and before the verification boot (tests abort here to simulate a crash). */
  beforeBoot?: (remedy: string) => void;
  /** Changes the context after a remedy is applied (e.g. more memory). */
  onApply?: (remedy: Remedy, ctx: RemedyContext) => RemedyContext;
  /** The remedy already applied to the VM by an earlier process (a resumed incident). */
  initiallyApplied?: string;
};

/** A HealTarget that logs every call and answers from a script. */
export function createFakeHealTarget(opts: FakeHealTargetOptions) {
  let ctx = opts.context;
  const calls: string[] = [];
  const applied: string[] = [];
  const handOvers: HandOverReport[] = [];
  const attempts: Record<string, number> = {};
  let lastApplied: string | undefined = opts.initiallyApplied;
  let snapshots = 0;
  let bootCount = 0;
  const target: HealTarget = {
    async context() {
      return ctx;
    },
    async apply(remedy) {
      calls.push(`apply:${remedy.id}`);
      if (opts.failApply?.includes(remedy.id)) throw new Error(`apply ${remedy.id} failed (scripted)`);
      applied.push(remedy.id);
      lastApplied = remedy.id;
      if (opts.onApply !== undefined) ctx = opts.onApply(remedy, ctx);
    },
    async bootAndWait(signal) {
      const id = lastApplied ?? '(none)';
      opts.beforeBoot?.(id);
      if (signal?.aborted === true) throw new Error('aborted');
      calls.push(`boot:${id}`);
      const n = attempts[id] ?? 0;
      attempts[id] = n + 1;
      bootCount += 1;
      const script = opts.outcomes?.[id] ?? ['failed'];
      const status = (opts.boots !== undefined ? opts.boots[Math.min(bootCount - 1, opts.boots.length - 1)] : script[Math.min(n, script.length - 1)]) ?? 'failed';
      const ev = status === 'ready' ? undefined : opts.evidence?.[id];
      return { status, bootId: `boot-${calls.length}`, reason: `scripted ${status}`, ...(ev !== undefined ? { evidence: ev } : {}) };
    },
    async snapshotForForensics() {
      calls.push('snapshot');
      if (opts.failSnapshot === true) throw new Error('qemu-img snapshot failed (scripted)');
      snapshots += 1;
      return `forensic-${snapshots}`;
    },
    async handOver(report) {
      calls.push('hand-over');
      handOvers.push(report);
    },
  };
  return { target, calls, applied, handOvers, context: () => ctx };
}
