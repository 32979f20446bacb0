import { closeSync, existsSync } from 'node:fs';
import { isBootmedicError } from '../core/index.ts';
import { preadZeroFill } from './disk-reader.ts';
import { imageErrors } from './errors.ts';
import { isQcow2, openImageFile, parseQcow2Header, resolveBackingPath, type Qcow2Header } from './qcow2.ts';
import type { CheckList } from './report.ts';
import { runToolSync } from '../core/index.ts';

/** One image of the chain as read from headers alone, so a missing link can be reported. */
export type ChainInfo = Readonly<{ path: string; format: 'raw' | 'qcow2'; header: Qcow2Header | undefined; missing: boolean; fileSize: number }>;

/** Walks the backing chain by headers (top first), stopping at a missing file or after 16 links. */
export function describeChain(path: string): ChainInfo[] {
  const out: ChainInfo[] = [];
  let cur: string | undefined = path;
  let hint: string | undefined;
  while (cur !== undefined && out.length < 17) {
    if (out.length > 0 && !existsSync(cur)) {
      out.push({ path: cur, format: hint === 'qcow2' ? 'qcow2' : 'raw', header: undefined, missing: true, fileSize: 0 });
      break;
    }
    const { fd, size } = openImageFile(cur, out.length === 0 ? 'disk image' : 'backing file');
    try {
      const head = preadZeroFill(fd, 0, Math.min(65536, Math.max(size, 4)));
      if (hint === 'raw' || !isQcow2(head)) {
        out.push({ path: cur, format: 'raw', header: undefined, missing: false, fileSize: size });
        break;
      }
      const header = parseQcow2Header(head, size, cur);
      out.push({ path: cur, format: 'qcow2', header, missing: false, fileSize: size });
      hint = header.backingFormat;
      cur = header.backingFile === undefined ? undefined : resolveBackingPath(cur, header.backingFile);
    } finally {
      closeSync(fd);
    }
  }
  return out;
}

/**
 * Checks every file of a qcow2 image's backing chain through the guarded open before QEMU or
 * qemu-img is given the image (they would block on a FIFO backing file). A missing link is
 * IMAGE_NOT_FOUND; a damaged header is left for QEMU to report.
 */
export function checkChainFiles(path: string): void {
  let chain: ChainInfo[];
  try {
    chain = describeChain(path);
  } catch (e) {
    if (isBootmedicError(e) && (e.code.startsWith('FILE_') || e.code === 'IMAGE_NOT_FOUND')) throw e;
    return;
  }
  const gone = chain.find((c) => c.missing);
  if (gone !== undefined) throw imageErrors.make('IMAGE_NOT_FOUND', `backing file ${gone.path} of ${path}: no such file`);
}

const KiB = (n: number) => (n >= 1 << 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`);

/** Adds the container checks: format, qcow2 header flags, backing chain; returns false when guest data is unreachable. */
export function checkContainer(chain: readonly ChainInfo[], checks: CheckList): boolean {
  const top = chain[0]!;
  const h = top.header;
  if (h === undefined) {
    checks.ok('container.format', `raw image`);
    return true;
  }
  checks.ok('container.format', `qcow2 version ${h.version}, cluster ${KiB(2 ** h.clusterBits)}, virtual size ${KiB(h.size)}, ${h.snapshots} internal snapshot(s)`);
  const bad = h.incompatibleNames.filter((n) => n === 'dirty' || n === 'corrupt' || n.startsWith('unknown'));
  const cluster = 2 ** h.clusterBits;
  const tables: string[] = [];
  const inFile = (what: string, off: number, bytes: number) => {
    if (off % cluster !== 0 || off + bytes > top.fileSize) tables.push(`${what} at ${off} (${bytes} bytes) is unaligned or past the end of the ${top.fileSize}-byte file`);
  };
  inFile('L1 table', h.l1TableOffset, h.l1Size * 8);
  inFile('refcount table', h.refcountTableOffset, h.refcountTableClusters * cluster);
  if (h.refcountOrder > 6) tables.push(`refcount order ${h.refcountOrder} is above 6`);
  if (tables.length > 0) {
    checks.problem('container.qcow2-header', tables.join('; '), `the qcow2 metadata is damaged: restore ${top.path} from a backup, or try 'qemu-img check -r all' on a copy`);
    return false; // guest bytes cannot be trusted through broken tables
  } else if (bad.length > 0) {
    checks.problem('container.qcow2-header', `incompatible feature bits set: ${bad.join(', ')}`, `run 'qemu-img check -r all ${top.path}' (after a copy), or restore the image`);
  } else {
    checks.ok('container.qcow2-header', `incompatible features: ${h.incompatibleNames.length === 0 ? 'none' : h.incompatibleNames.join(', ')}; refcount order ${h.refcountOrder}; L1 ${h.l1Size} entries`);
  }
  const missing = chain.find((c) => c.missing);
  const names = chain.map((c) => `${c.path} (${c.format}${c.missing ? ', MISSING' : ''})`).join(' → ');
  if (missing !== undefined) {
    checks.problem('container.backing-chain', `depth ${chain.length}: ${names}`, `restore ${missing.path}, or point the overlay at the right base with 'qemu-img rebase -u -b <base> ${chain[chain.length - 2]!.path}'`);
    return false;
  }
  if (chain.length > 16) {
    checks.problem('container.backing-chain', `deeper than 16 images: ${names}`, `flatten the chain with 'qemu-img convert'`);
    return false;
  }
  checks.ok('container.backing-chain', `depth ${chain.length}: ${names}`);
  return true;
}

/** Runs `qemu-img check --output=json` on a qcow2 image and adds its verdict (corruptions, leaks). */
export function checkQemuImg(path: string, checks: CheckList): void {
  let r = runToolSync('qemu-img', ['check', '--output=json', '-f', 'qcow2', path], { check: false, timeoutMs: 600_000 });
  // A running QEMU holds the image's write lock; read it shared instead (its counts may then
  // include the VM's in-flight allocations, which the evidence says).
  const inUse = /lock/i.test(r.stderr) && r.stdout.trim() === '';
  if (inUse) r = runToolSync('qemu-img', ['check', '-U', '--output=json', '-f', 'qcow2', path], { check: false, timeoutMs: 600_000 });
  let j: { corruptions?: number; leaks?: number; 'check-errors'?: number; 'image-end-offset'?: number } | undefined;
  try {
    j = JSON.parse(r.stdout) as typeof j;
  } catch {
    j = undefined;
  }
  if (j === undefined) {
    checks.problem('container.qemu-img-check', `qemu-img check failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`, 'the qcow2 metadata is unreadable; restore the image from a backup');
    return;
  }
  const corrupt = j.corruptions ?? 0;
  const leaks = j.leaks ?? 0;
  const errs = j['check-errors'] ?? 0;
  const ev = `corruptions ${corrupt}, leaked clusters ${leaks}, check errors ${errs} (exit ${r.code})${inUse ? '; image in use by a running VM, checked with --force-share' : ''}`;
  if (corrupt > 0 || errs > 0) checks.problem('container.qemu-img-check', ev, `copy the image, then run 'qemu-img check -r all ${path}'`);
  else if (leaks > 0) checks.problem('container.qemu-img-check', ev, `leaks waste space only: 'qemu-img check -r leaks ${path}'`);
  else checks.ok('container.qemu-img-check', ev);
}
