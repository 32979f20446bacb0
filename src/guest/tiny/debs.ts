// Debian packages for the tiny guest: resolved with apt-cache, fetched with
// `apt-get download` into <cache>/debs (never installed on the host) and unpacked with
// dpkg-deb into the cache.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isBootmedicError, lastLines, runTool } from '../../core/index.ts';
import { guestErrors } from '../errors.ts';

/** Progress output of a build (stderr lines). */
export type Log = (line: string) => void;

/** The newest `linux-image-<ver>-amd64` the `linux-image-amd64` metapackage depends on, or the newest cached one offline. */
export async function resolveKernelPackage(debsDir: string, signal?: AbortSignal): Promise<string> {
  // The control field names are never translated, unlike `apt-cache depends` output.
  const r = await runTool('apt-cache', ['show', '--no-all-versions', 'linux-image-amd64'], { check: false, ...(signal ? { signal } : {}) });
  const m = /^Depends:\s*(linux-image-[\w.+-]+-amd64)\b/m.exec(r.stdout);
  if (r.code === 0 && m?.[1]) return m[1];
  const cached = cachedDebs(debsDir, /^(linux-image-\d[\w.+-]*-amd64)_/);
  if (cached[0] !== undefined) return cached[0].pkg;
  throw guestErrors.make('GUEST_DOWNLOAD_FAILED', `apt-cache cannot resolve linux-image-amd64: ${r.stderr.trim() || 'no Depends field'}`);
}

function cachedDebs(debsDir: string, re: RegExp): { pkg: string; file: string }[] {
  if (!existsSync(debsDir)) return [];
  return readdirSync(debsDir)
    .filter((f) => f.endsWith('.deb'))
    .flatMap((f) => {
      const m = re.exec(f);
      return m?.[1] ? [{ pkg: m[1], file: join(debsDir, f) }] : [];
    })
    .sort((a, b) => b.file.localeCompare(a.file));
}

/** Path of the cached .deb of `pkg`, downloading it with `apt-get download` when absent. */
export async function fetchDeb(pkg: string, debsDir: string, log: Log, signal?: AbortSignal): Promise<string> {
  mkdirSync(debsDir, { recursive: true });
  const escaped = pkg.replace(/[.+]/g, '\\$&');
  const have = cachedDebs(debsDir, new RegExp(`^(${escaped})_`));
  if (have[0] !== undefined) return have[0].file;
  log(`downloading ${pkg} into ${debsDir}`);
  // Running as root, apt drops to the _apt user and warns when that user cannot write
  // here; the download still succeeds, so the warning is only shown on failure.
  const r = await runTool('apt-get', ['download', '-q', pkg], { cwd: debsDir, check: false, ...(signal ? { signal } : {}) });
  const got = cachedDebs(debsDir, new RegExp(`^(${escaped})_`));
  if (r.code !== 0 || got[0] === undefined) {
    throw guestErrors.make('GUEST_DOWNLOAD_FAILED', `apt-get download ${pkg} failed: ${lastLines(r.stderr)}`);
  }
  return got[0].file;
}

/**
 * Where `members` of `deb` are unpacked under `root`. An unpack is never redone once its
 * folder exists, so a partial one (a member list) is keyed by its list: adding a module
 * to the tiny guest unpacks again into a new folder instead of finding the old one short.
 */
export function unpackDir(root: string, deb: string, members: readonly string[] | 'all'): string {
  const name = basename(deb, '.deb');
  if (members === 'all') return join(root, name);
  return join(root, `${name}-${createHash('sha256').update(JSON.stringify(members)).digest('hex').slice(0, 12)}`);
}

/**
 * Unpacks the named members of a .deb (`./boot/...` style paths, shell-free: dpkg-deb's
 * tar stream is piped into tar) into `dest`, atomically: a half-done unpack is never seen.
 */
export async function unpackDeb(deb: string, dest: string, members: readonly string[] | 'all', signal?: AbortSignal): Promise<void> {
  if (existsSync(dest)) return;
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const opt = signal ? { signal } : {};
  try {
    if (members === 'all') await runTool('dpkg-deb', ['-x', deb, tmp], opt);
    else {
      // dpkg-deb's tar stream goes through a file beside the unpack, then tar takes the members.
      const tarFile = `${tmp}.tar`;
      try {
        await runTool('dpkg-deb', ['--fsys-tarfile', deb], { ...opt, stdoutTo: tarFile });
        await runTool('tar', ['-x', '-C', tmp, '-f', tarFile, ...members], opt);
      } finally {
        rmSync(tarFile, { force: true });
      }
    }
    renameSync(tmp, dest);
  } catch (cause) {
    rmSync(tmp, { recursive: true, force: true });
    if (isBootmedicError(cause, 'TOOL_MISSING') || isBootmedicError(cause, 'TOOL_ABORTED')) throw cause;
    throw guestErrors.make('GUEST_UNPACK_FAILED', `cannot unpack ${deb}: ${(cause as Error).message}`, { cause });
  }
}
