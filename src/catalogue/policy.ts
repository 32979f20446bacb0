import { statSync } from 'node:fs';
import type { VmSpec } from '../config/index.ts';
import type { Hypervisor } from '../hypervisor/index.ts';
import type { Store, StoredImage } from '../store/index.ts';
import { samePath } from './catalogue.ts';
import { sha256File } from './digest.ts';
import { catalogueErrors } from './errors.ts';
import { signatureProblem, trustedPublicKey } from './signing.ts';

/** A hypervisor that enforces signed-image policies and tracks each VM's last-known-good image. */
export type PolicyHypervisor = Hypervisor & {
  /** Feed every ledger entry here: a ready 'boot-outcome' marks the image the VM launched on as its last-known-good. */
  noteRecord(entry: { type: string; vm: string; data: unknown }): void;
};

// File times come from the kernel's coarse clock, which can lag the wall clock by a few
// ticks: a write just after hashing may carry a ctime slightly before it. A second of slack
// makes such files be hashed again rather than trusted.
const CTIME_SLACK_MS = 1000;

/** Why a disk is refused under requireSignedImages, or undefined when a valid signed entry matches it. */
function refusal(store: Store, home: string, path: string, sha: string | undefined): string | undefined {
  if (sha === undefined) return 'the file cannot be read';
  const matches = store.images.bySha256(sha);
  if (matches.length === 0) {
    const byPath = store.images.list().filter((i) => samePath(i.path, path));
    return byPath.length > 0 ? `digest changed: catalogued as ${byPath.map((i) => i.id).join(', ')} with sha256 ${byPath[0]!.sha256.slice(0, 12)}…, the file now has ${sha.slice(0, 12)}…` : `unsigned: not in the image catalogue (sha256 ${sha.slice(0, 12)}…)`;
  }
  const live = matches.filter((i) => i.state !== 'retired');
  if (live.length === 0) return `retired: ${matches.map((i) => i.id).join(', ')}`;
  const trusted = trustedPublicKey(home);
  const problems = live.map((i) => [i, signatureProblem(i, trusted)] as const);
  if (problems.some(([, p]) => p === undefined)) return undefined;
  return problems.map(([i, p]) => `${i.id}: ${p}`).join('; ');
}

/**
 * Wraps a hypervisor so that `launch` refuses (CATALOGUE_IMAGE_REFUSED) any disk of a VM
 * with `requireSignedImages` whose current SHA-256 matches no validly signed, non-retired
 * catalogue entry. Disks are hashed only for such VMs, and for disks at a catalogued path
 * that changed since (to note the last-known-good image).
 */
export function withImagePolicy(inner: Hypervisor, store: Store, home: string): PolicyHypervisor {
  // The catalogued image each VM was last launched on, for last-known-good.
  const launchedOn = new Map<string, StoredImage>();
  const hash = (p: string) => {
    try {
      return sha256File(p);
    } catch {
      return undefined;
    }
  };
  const check = (spec: VmSpec) => {
    launchedOn.delete(spec.name);
    const catalogued = store.images.list();
    for (const d of spec.disks) {
      const atPath = catalogued.filter((i) => samePath(i.path, d.path));
      if (!spec.requireSignedImages && atPath.length === 0) continue;
      if (!spec.requireSignedImages) {
        // Last-known-good only: a file whose inode changed (ctime, which no user can set
        // back) before the newest entry at its path was hashed still has that entry's
        // contents, so a multi-GB image is not re-hashed at every boot.
        const newest = atPath.filter((i) => i.state !== 'retired').sort((a, b) => b.addedAt.localeCompare(a.addedAt))[0];
        const st = statSync(d.path, { throwIfNoEntry: false });
        if (newest !== undefined && st !== undefined && st.ctimeMs < Date.parse(newest.addedAt) - CTIME_SLACK_MS) {
          if (!launchedOn.has(spec.name)) launchedOn.set(spec.name, newest);
          continue;
        }
      }
      const sha = hash(d.path);
      if (spec.requireSignedImages) {
        const why = refusal(store, home, d.path, sha);
        if (why !== undefined) throw catalogueErrors.make('CATALOGUE_IMAGE_REFUSED', `VM ${spec.name}: disk ${d.path} refused (requireSignedImages): ${why}`);
      }
      const entry = sha === undefined ? undefined : store.images.bySha256(sha).find((i) => i.state !== 'retired');
      if (entry !== undefined && !launchedOn.has(spec.name)) launchedOn.set(spec.name, entry);
    }
  };
  return {
    probeAccel: (o) => inner.probeAccel(o),
    async launch(spec, opts) {
      check(spec);
      return inner.launch(spec, opts);
    },
    noteRecord(entry) {
      const d = entry.data as { bootId?: unknown; status?: unknown } | null;
      const img = launchedOn.get(entry.vm);
      if (entry.type !== 'boot-outcome' || d?.status !== 'ready' || typeof d.bootId !== 'string' || img === undefined) return;
      store.images.setLastKnownGood({ vm: entry.vm, imageId: img.id, bootId: d.bootId, at: new Date().toISOString() });
    },
  };
}
