// Shared fixtures of the image tests: one good image built per test file, fresh copies
// of it to break, and small helpers to break and compare them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { inspectImage } from '../../src/image/index.ts';
import { buildTestImage, type TestImage } from './test-image.ts';

/** The good image of the current test file (set by useBaseImage's before hook). */
export let base: TestImage;
let counter = 0;

/** Registers hooks that build the good image before the file's tests and remove it after. */
export function useBaseImage(): void {
  before(() => {
    base = buildTestImage();
  });
  after(() => {
    if (base !== undefined) rmSync(base.dir, { recursive: true, force: true });
  });
}

/** A fresh, unused name inside the image's directory. */
export function fresh(name: string): string {
  return join(base.dir, name.replace('#', String(++counter)));
}

/** A fresh copy of the good image to break. */
export function copy(): string {
  const p = fresh('case-#.img');
  copyFileSync(base.path, p);
  return p;
}
/** The names of the checks that are problems. */
export const problems = (p: string) => inspectImage(p).report.checks.filter((c) => c.status === 'problem').map((c) => c.name);
/** SHA-256 of a byte range of a file. */
export function hash(p: string, offset: number, length: number): string {
  const fd = openSync(p, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return createHash('sha256').update(b).digest('hex');
  } finally {
    closeSync(fd);
  }
}
/** Overwrites bytes of a file. */
export function poke(p: string, offset: number, data: Buffer): void {
  const fd = openSync(p, 'r+');
  writeSync(fd, data, 0, data.length, offset);
  closeSync(fd);
}
/** Runs a tool and asserts it succeeded. */
export function tool(cmd: string, args: string[], input?: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}
export const esp = (p: string) => `${p}@@${base.espOffset}`;
export const rootDev = (p: string) => `${p}?offset=${base.rootOffset}`;
export const rootHash = (p: string) => hash(p, base.rootOffset, base.rootSize);
export const espHash = (p: string) => hash(p, base.espOffset, base.espSize);
/** Writes a file onto the image's ESP with mcopy. */
export function putEspFile(p: string, path: string, data: Buffer | string): void {
  const tmp = fresh('put-#.tmp');
  writeFileSync(tmp, data);
  tool('mcopy', ['-o', '-i', esp(p), tmp, `::${path}`]);
}
/** Removes the raw-image snapshot copies a repair left. */
export function cleanupSnapshots(r: { snapshots: readonly { kind: string; ref: string }[] }): void {
  for (const s of r.snapshots) if (s.kind === 'copy') rmSync(s.ref, { force: true });
}
