import type { DatabaseSync } from 'node:sqlite';
import type { Migration } from './sqlite.ts';

// The image catalogue: one row per catalogued image (its digests, state, boot proofs and
// signature) and the last image each VM booted to ready on. The history of every change
// lives in the transparency log; these tables hold only the current view.

/** Schema version 3: the images table and each VM's last-known-good image. */
export const imagesMigration: Migration = {
  version: 3,
  name: 'images',
  sql: `
    CREATE TABLE images (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      version TEXT NOT NULL,
      path TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      artefacts TEXT NOT NULL,
      origin TEXT NOT NULL,
      state TEXT NOT NULL,
      added_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      tested_boot TEXT,
      golden_boot TEXT,
      signature TEXT,
      UNIQUE (name, version)
    );
    CREATE INDEX images_sha ON images (sha256);
    CREATE TABLE last_known_good (
      vm TEXT PRIMARY KEY,
      image_id TEXT NOT NULL REFERENCES images (id),
      boot_id TEXT NOT NULL,
      at TEXT NOT NULL
    );
  `,
};

/** Where an image stands in its lifecycle. */
export type ImageState = 'candidate' | 'tested' | 'golden' | 'retired';

/** The SHA-256 of one boot artefact read from the image's ESP. */
export type ArtefactDigest = Readonly<{ kind: 'kernel' | 'initrd' | 'grub.cfg' | 'loader'; path: string; size: number; sha256: string }>;

/** An Ed25519 signature over the image's canonical statement, with the public key (PEM) that made it. */
export type ImageSignature = Readonly<{ alg: 'ed25519'; publicKey: string; value: string; signedAt: string }>;

/** A catalogued image. */
export type StoredImage = Readonly<{
  id: string;
  name: string;
  version: string;
  path: string;
  sha256: string;
  artefacts: readonly ArtefactDigest[];
  origin: string;
  state: ImageState;
  addedAt: string;
  updatedAt: string;
  testedBoot?: string;
  goldenBoot?: string;
  signature?: ImageSignature;
}>;

type Row = {
  id: string; name: string; version: string; path: string; sha256: string; artefacts: string; origin: string; state: string;
  added_at: string; updated_at: string; tested_boot: string | null; golden_boot: string | null; signature: string | null;
};

const fromRow = (r: Row): StoredImage => ({
  id: r.id, name: r.name, version: r.version, path: r.path, sha256: r.sha256,
  artefacts: JSON.parse(r.artefacts) as ArtefactDigest[], origin: r.origin, state: r.state as ImageState,
  addedAt: r.added_at, updatedAt: r.updated_at,
  ...(r.tested_boot !== null ? { testedBoot: r.tested_boot } : {}),
  ...(r.golden_boot !== null ? { goldenBoot: r.golden_boot } : {}),
  ...(r.signature !== null ? { signature: JSON.parse(r.signature) as ImageSignature } : {}),
});

/** The last image a VM booted to ready on. */
export type LastKnownGood = Readonly<{ vm: string; imageId: string; bootId: string; at: string }>;

/** Images and the last-known-good image of each VM. */
export type ImageRepo = Readonly<{
  add(img: StoredImage): void;
  get(id: string): StoredImage | undefined;
  /** All images with this name, newest first. */
  byName(name: string): StoredImage[];
  bySha256(sha256: string): StoredImage[];
  list(): StoredImage[];
  /** Replaces the mutable fields (state, boot proofs, signature, updatedAt). */
  update(img: StoredImage): void;
  setLastKnownGood(l: LastKnownGood): void;
  lastKnownGood(vm: string): LastKnownGood | undefined;
  allLastKnownGood(): LastKnownGood[];
}>;

/** The image repository over an opened store database. */
export function imageRepo(db: DatabaseSync): ImageRepo {
  const insert = db.prepare(
    'INSERT INTO images (id, name, version, path, sha256, artefacts, origin, state, added_at, updated_at, tested_boot, golden_boot, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare('SELECT * FROM images WHERE id = ?');
  const byName = db.prepare('SELECT * FROM images WHERE name = ? ORDER BY added_at DESC, rowid DESC');
  const bySha = db.prepare('SELECT * FROM images WHERE sha256 = ? ORDER BY added_at DESC, rowid DESC');
  const all = db.prepare('SELECT * FROM images ORDER BY added_at, rowid');
  const upd = db.prepare('UPDATE images SET state = ?, updated_at = ?, tested_boot = ?, golden_boot = ?, signature = ? WHERE id = ?');
  const setLkg = db.prepare('INSERT INTO last_known_good (vm, image_id, boot_id, at) VALUES (?, ?, ?, ?) ON CONFLICT (vm) DO UPDATE SET image_id = excluded.image_id, boot_id = excluded.boot_id, at = excluded.at');
  const getLkg = db.prepare('SELECT vm, image_id, boot_id, at FROM last_known_good WHERE vm = ?');
  const allLkg = db.prepare('SELECT vm, image_id, boot_id, at FROM last_known_good ORDER BY vm');
  type LkgRow = { vm: string; image_id: string; boot_id: string; at: string };
  const lkg = (r: LkgRow): LastKnownGood => ({ vm: r.vm, imageId: r.image_id, bootId: r.boot_id, at: r.at });
  const sig = (i: StoredImage) => (i.signature === undefined ? null : JSON.stringify(i.signature));
  return Object.freeze({
    add(i: StoredImage) {
      insert.run(i.id, i.name, i.version, i.path, i.sha256, JSON.stringify(i.artefacts), i.origin, i.state, i.addedAt, i.updatedAt, i.testedBoot ?? null, i.goldenBoot ?? null, sig(i));
    },
    get: (id: string) => {
      const r = byId.get(id) as Row | undefined;
      return r === undefined ? undefined : fromRow(r);
    },
    byName: (name: string) => (byName.all(name) as Row[]).map(fromRow),
    bySha256: (sha: string) => (bySha.all(sha) as Row[]).map(fromRow),
    list: () => (all.all() as Row[]).map(fromRow),
    update(i: StoredImage) {
      upd.run(i.state, i.updatedAt, i.testedBoot ?? null, i.goldenBoot ?? null, sig(i), i.id);
    },
    setLastKnownGood(l: LastKnownGood) {
      setLkg.run(l.vm, l.imageId, l.bootId, l.at);
    },
    lastKnownGood(vm: string) {
      const r = getLkg.get(vm) as LkgRow | undefined;
      return r === undefined ? undefined : lkg(r);
    },
    allLastKnownGood: () => (allLkg.all() as LkgRow[]).map(lkg),
  });
}
