// qemu-img wrappers: per-boot overlays, named internal snapshots and checks. Every boot
// runs on a qcow2 overlay whose backing file is the base image; QEMU opens a backing
// file read-only, so the base never changes and a boot is disposable.
import { existsSync } from 'node:fs';
import { checkPath, lastLines, runTool } from '../../core/index.ts';
import { hvErrors } from '../errors.ts';

const must = (args: readonly string[], what: string, signal?: AbortSignal) => runTool('qemu-img', args, { what, ...(signal ? { signal } : {}) });

function mustExist(path: string): void {
  checkPath(path, { what: 'disk image', kind: 'disk', missing: (m) => hvErrors.make('HV_DISK_MISSING', m) });
}

/** Creates a qcow2 overlay at `overlay` backed by `base` (format `format`); the base is only read. */
export async function createOverlay(base: string, format: 'qcow2' | 'raw', overlay: string, signal?: AbortSignal): Promise<void> {
  mustExist(base);
  await must(['create', '-q', '-f', 'qcow2', '-F', format, '-b', base, overlay], `overlay over ${base}`, signal);
}

/** A snapshot inside a qcow2 image, as `qemu-img info --output=json` lists it. */
export type Snapshot = { id: string; name: string; vmStateSize: number; dateSec: number };

/** Creates the internal snapshot `name` in a qcow2 image (not while a VM has it open). */
export async function createSnapshot(image: string, name: string): Promise<void> {
  mustExist(image);
  await must(['snapshot', '-c', name, image], `snapshot ${name} of ${image}`);
}

/** Reverts a qcow2 image to its snapshot `name` (HV_SNAPSHOT_MISSING when there is none). */
export async function revertSnapshot(image: string, name: string): Promise<void> {
  const have = await listSnapshots(image);
  if (!have.some((s) => s.name === name)) throw hvErrors.make('HV_SNAPSHOT_MISSING', `image ${image} has no snapshot '${name}' (it has: ${have.map((s) => s.name).join(', ') || 'none'})`);
  await must(['snapshot', '-a', name, image], `revert ${image} to ${name}`);
}

/** Deletes the snapshot `name` from a qcow2 image. */
export async function deleteSnapshot(image: string, name: string): Promise<void> {
  mustExist(image);
  await must(['snapshot', '-d', name, image], `delete snapshot ${name} of ${image}`);
}

/** Lists the internal snapshots of a qcow2 image. */
export async function listSnapshots(image: string): Promise<Snapshot[]> {
  const info = await imageInfo(image);
  const snaps = (info['snapshots'] as Record<string, unknown>[] | undefined) ?? [];
  return snaps.map((s) => ({ id: String(s['id']), name: String(s['name']), vmStateSize: Number(s['vm-state-size'] ?? 0), dateSec: Number(s['date-sec'] ?? 0) }));
}

/** `qemu-img info --output=json` of an image (opened read-only, -U so a running VM does not block it). */
export async function imageInfo(image: string): Promise<Record<string, unknown>> {
  mustExist(image);
  const r = await must(['info', '-U', '--output=json', image], `info of ${image}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The verdict of `qemu-img check`: exit 0 clean, 2 corrupted, 3 leaks only (qemu-img(1)). */
export type CheckResult = { ok: boolean; corruptions: number; leaks: number; checkErrors: number; raw: Record<string, unknown> };

/** Runs `qemu-img check --output=json` and returns counts; a format without checks reports ok. */
export async function checkImage(image: string, format?: 'qcow2' | 'raw'): Promise<CheckResult> {
  mustExist(image);
  // qemu-img check reports by exit code: 0 clean, 2 corrupted, 3 leaks, 1 could not check.
  const r = await runTool('qemu-img', ['check', '--output=json', ...(format ? ['-f', format] : []), image], { check: false });
  if (r.code === 1 && /not support|doesn't support/i.test(r.stderr)) return { ok: true, corruptions: 0, leaks: 0, checkErrors: 0, raw: {} };
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw hvErrors.make('HV_QEMU_IMG_FAILED', `check of ${image}: ${lastLines(r.stderr, 1) || `qemu-img exited ${r.code}`}`);
  }
  const n = (k: string) => Number(raw[k] ?? 0);
  return { ok: r.code === 0, corruptions: n('corruptions'), leaks: n('leaks'), checkErrors: n('check-errors'), raw };
}
