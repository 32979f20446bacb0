import { realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { VmSpec } from '../config/index.ts';
import type { Store, StoredImage } from '../store/index.ts';
import { superviseVm, type BootOutcome, type SupervisorDeps, type SupervisorEvent } from '../supervisor/index.ts';
import { artefactDigests, sha256File } from './digest.ts';
import type { VerifyResult } from '../core/index.ts';
import { catalogueErrors } from './errors.ts';
import { defaultKeyPath, loadSigningKey, signatureProblem, signImageStatement, trustedPublicKey } from './signing.ts';

/** What catalogue operations need: the store, the data directory and the ledger. */
export type CatalogueDeps = Readonly<{ store: Store; home: string; record?: NonNullable<SupervisorDeps['record']> }>;

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const now = () => new Date().toISOString();

/** The path as the file system names it, so two spellings of one file compare equal. */
export function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

async function ledger(deps: CatalogueDeps, action: string, img: StoredImage, extra: Record<string, unknown> = {}): Promise<void> {
  await deps.record?.({ type: 'config-change', vm: extra['vm'] as string | undefined ?? '-', data: { change: `image-${action}`, image: img.id, name: img.name, version: img.version, sha256: img.sha256, state: img.state, ...extra } });
}

/** Finds an image by id, else the newest image of that name that is not retired. */
export function resolveImage(store: Store, ref: string): StoredImage {
  const img = store.images.get(ref) ?? store.images.byName(ref).find((i) => i.state !== 'retired') ?? store.images.byName(ref)[0];
  if (img === undefined) throw catalogueErrors.make('CATALOGUE_IMAGE_UNKNOWN', `image '${ref}': no catalogued image has this id or name`);
  return img;
}

/**
 * Catalogues a disk image as a candidate: SHA-256 of the whole file and of each boot
 * artefact on its ESP, its origin, a name (default: the file name) and a version
 * (default: one more than the name's count). Recorded in the ledger.
 */
export async function addImage(deps: CatalogueDeps, disk: string, o: { name?: string | undefined; version?: string | undefined; origin?: string | undefined } = {}): Promise<StoredImage> {
  const path = resolve(disk);
  const name = o.name ?? basename(path).replace(/\.(img|raw|qcow2)$/i, '').toLowerCase().replace(/[^a-z0-9._-]/g, '-');
  if (!NAME.test(name)) throw catalogueErrors.make('CATALOGUE_BAD_NAME', `image name '${name}' (from ${o.name === undefined ? 'the file name' : '--name'})`, { fix: 'give --name with lower-case letters, digits, ".", "_" and "-"' });
  const version = o.version ?? String(deps.store.images.byName(name).length + 1);
  if (!VERSION.test(version)) throw catalogueErrors.make('CATALOGUE_BAD_NAME', `image version '${version}'`);
  const artefacts = artefactDigests(path); // first: it names a missing or broken image with IMAGE_*
  const sha256 = sha256File(path);
  const twin = deps.store.images.bySha256(sha256).find((i) => i.state !== 'retired');
  if (twin !== undefined) throw catalogueErrors.make('CATALOGUE_DUPLICATE', `${path}: same contents as catalogued image ${twin.id} (${twin.state})`);
  const id = `${name}@${version}`;
  if (deps.store.images.get(id) !== undefined) throw catalogueErrors.make('CATALOGUE_DUPLICATE', `image ${id} is already catalogued`, { fix: 'give another --version' });
  const at = now();
  const img: StoredImage = { id, name, version, path, sha256, artefacts, origin: o.origin ?? `file ${path}`, state: 'candidate', addedAt: at, updatedAt: at };
  deps.store.images.add(img);
  await ledger(deps, 'add', img, { path, origin: img.origin, artefacts });
  return img;
}

/** Which recorded digests the file no longer matches (empty when unchanged). */
export function digestChanges(img: StoredImage): string[] {
  let now: string;
  try {
    now = sha256File(img.path);
  } catch (e) {
    return [`the file ${img.path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`];
  }
  if (now === img.sha256) return [];
  const before = new Map(img.artefacts.map((a) => [a.path, a.sha256]));
  const changed = artefactDigests(img.path).filter((a) => before.get(a.path) !== a.sha256).map((a) => `${a.kind} ${a.path}`);
  return [`whole image: sha256 ${img.sha256.slice(0, 12)}… → ${now.slice(0, 12)}…`, ...changed.map((c) => `${c} changed`)];
}

/** The next state a promotion reaches. */
const NEXT = { candidate: 'tested', tested: 'golden' } as const;

/**
 * Promotes an image one step (candidate → tested → golden) after booting `spec`, which
 * must boot the image as one of its disks, to ready under the supervisor. Records the
 * boot id, updates the VM's last-known-good image, and writes the ledger.
 */
export async function promoteImage(
  deps: CatalogueDeps & SupervisorDeps,
  ref: string,
  o: { to?: 'tested' | 'golden' | undefined; spec: VmSpec; signal?: AbortSignal | undefined; onEvent?: ((e: SupervisorEvent) => void) | undefined },
): Promise<{ image: StoredImage; outcome: BootOutcome }> {
  const img = resolveImage(deps.store, ref);
  const next = img.state === 'candidate' || img.state === 'tested' ? NEXT[img.state] : undefined;
  if (next === undefined || (o.to !== undefined && o.to !== next)) {
    throw catalogueErrors.make('CATALOGUE_BAD_TRANSITION', `image ${img.id} is ${img.state}: it can ${next === undefined ? 'not be promoted' : `only be promoted to ${next}`}${o.to !== undefined ? ` (asked: ${o.to})` : ''}`);
  }
  if (!o.spec.disks.some((d) => samePath(d.path, img.path))) {
    throw catalogueErrors.make('CATALOGUE_VM_MISMATCH', `VM ${o.spec.name} does not boot image ${img.id}: its disks are ${o.spec.disks.map((d) => d.path).join(', ') || 'none'}, the image is ${img.path}`);
  }
  const changes = digestChanges(img);
  if (changes.length > 0) throw catalogueErrors.make('CATALOGUE_IMAGE_CHANGED', `image ${img.id} (${img.path}): ${changes.join('; ')}`);
  const [outcome] = await superviseVm(o.spec, deps, { mode: 'once', ...(o.signal ? { signal: o.signal } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}) });
  if (outcome === undefined || outcome.status !== 'ready') {
    throw catalogueErrors.make('CATALOGUE_BOOT_TEST_FAILED', `image ${img.id} stays ${img.state}: boot test on VM ${o.spec.name} ${outcome === undefined ? 'gave no verdict' : `ended ${outcome.status} in ${outcome.phase} (${outcome.reason}); boot ${outcome.bootId}, console ${outcome.consoleLog}`}`);
  }
  const at = now();
  const promoted: StoredImage = { ...img, state: next, updatedAt: at, ...(next === 'tested' ? { testedBoot: outcome.bootId } : { goldenBoot: outcome.bootId }) };
  deps.store.images.update(promoted);
  deps.store.images.setLastKnownGood({ vm: o.spec.name, imageId: img.id, bootId: outcome.bootId, at });
  await ledger(deps, 'promote', promoted, { vm: o.spec.name, from: img.state, to: next, bootId: outcome.bootId, durationMs: outcome.durationMs, accel: outcome.accel });
  return { image: promoted, outcome };
}

/** Retires an image: it is never promoted again, and signed-image policies refuse it. */
export async function retireImage(deps: CatalogueDeps, ref: string): Promise<StoredImage> {
  const img = resolveImage(deps.store, ref);
  if (img.state === 'retired') throw catalogueErrors.make('CATALOGUE_BAD_TRANSITION', `image ${img.id} is already retired`);
  const retired: StoredImage = { ...img, state: 'retired', updatedAt: now() };
  deps.store.images.update(retired);
  await ledger(deps, 'retire', retired, { from: img.state });
  return retired;
}

/** Signs an image's statement (id, name, version, digests) with the Ed25519 image-signing key. */
export async function signImage(deps: CatalogueDeps, ref: string, o: { keyPath?: string | undefined } = {}): Promise<StoredImage> {
  const img = resolveImage(deps.store, ref);
  if (img.state === 'retired') throw catalogueErrors.make('CATALOGUE_BAD_TRANSITION', `image ${img.id} is retired and cannot be signed`);
  const changes = digestChanges(img);
  if (changes.length > 0) throw catalogueErrors.make('CATALOGUE_IMAGE_CHANGED', `image ${img.id} (${img.path}): ${changes.join('; ')}`);
  const keyPath = o.keyPath ?? defaultKeyPath(deps.home);
  const signed: StoredImage = { ...img, signature: signImageStatement(img, loadSigningKey(keyPath)), updatedAt: now() };
  deps.store.images.update(signed);
  await ledger(deps, 'sign', signed, { key: keyPath, publicKey: signed.signature?.publicKey });
  return signed;
}

/** The verdict of `image verify`: every problem found, none when the image is intact and validly signed. */
export type ImageVerifyResult = VerifyResult<string, { id: string }>;

/** Checks an image's file against its digests, its signature against the trusted key, and its state. */
export function verifyImage(deps: CatalogueDeps, ref: string): ImageVerifyResult {
  const img = resolveImage(deps.store, ref);
  const problems: string[] = [];
  if (img.state === 'retired') problems.push('retired');
  let changes: string[];
  try {
    changes = digestChanges(img);
  } catch (e) {
    changes = [`cannot read ${img.path}: ${(e as Error).message}`];
  }
  problems.push(...changes.map((c) => `digest changed: ${c}`));
  const sig = signatureProblem(img, trustedPublicKey(deps.home));
  if (sig !== undefined) problems.push(sig);
  return { id: img.id, ok: problems.length === 0, problems };
}
