import { join } from 'node:path';
import { closeSync, readSync } from 'node:fs';
import { openGuarded, type BootmedicError } from '../../core/index.ts';
import type { StoredBoot } from '../../store/index.ts';
import { serverErrors } from '../errors.ts';
import { found, route, type RouteDeps } from '../route.ts';
import { BootConsole, BootDetail, IdParams } from '../schemas.ts';

// A boot's files are reached from its id only after the id matched RecordId (no '/', no
// leading '.') and the store knows it: never a path built from anything else a client sends.

/** How much of a console the API sends at most: its last 4 MiB. */
export const CONSOLE_MAX_BYTES = 4 << 20;

export const bootSummary = (b: StoredBoot) => ({
  id: b.id, vm: b.vm, imageKey: b.imageKey, startedAt: b.startedAt, status: b.status, phase: b.phase, reason: b.reason, accel: b.accel, durationMs: b.durationMs,
});

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
type Rec = Record<string, unknown>;
const asRec = (v: unknown): Rec => (typeof v === 'object' && v !== null ? (v as Rec) : {});

function knownBoot(deps: RouteDeps, id: string): StoredBoot {
  return found(deps.service.store.boots.get(id), 'boot', id);
}

function bootDetail(b: StoredBoot) {
  const rec = asRec(b.record);
  return {
    ...bootSummary(b),
    timeline: b.timeline.map((t) => ({ phase: t.phase, atMs: t.atMs })),
    cause: rec['cause'] ?? null,
    findings: arr(rec['findings']) as Rec[],
    evidence: arr(rec['evidence']) as Array<{ line: number; text: string }>,
    qmpEvents: arr(rec['qmpEvents']),
    resets: typeof rec['resets'] === 'number' ? rec['resets'] : 0,
  };
}

/** The last `max` bytes of the boot's console.log, cut at a line start, with the first line's number. */
function readConsoleTail(path: string, max: number, missing: () => BootmedicError): { text: string; firstLine: number; truncated: boolean } {
  let fd: number | undefined;
  try {
    const g = openGuarded(path, { what: 'console log', missing });
    fd = g.fd;
    const size = g.stats.size;
    const start = Math.max(0, size - max);
    const buf = Buffer.alloc(size - start);
    let n = 0;
    while (n < buf.length) {
      const r = readSync(fd, buf, n, buf.length - n, start + n);
      if (r === 0) break;
      n += r;
    }
    let text = buf.subarray(0, n).toString('utf8');
    if (start === 0) return { text, firstLine: 1, truncated: false };
    // Count the lines before the cut so the numbers still match the findings'.
    let before = 0;
    const head = Buffer.alloc(64 << 10);
    for (let pos = 0; pos < start; ) {
      const r = readSync(fd, head, 0, Math.min(head.length, start - pos), pos);
      if (r === 0) break;
      for (let i = 0; i < r; i++) if (head[i] === 10) before += 1;
      pos += r;
    }
    // Drop the line the cut went through, unless the cut fell just after a newline.
    const prev = Buffer.alloc(1);
    readSync(fd, prev, 0, 1, start - 1);
    if (prev[0] !== 10) {
      const nl = text.indexOf('\n');
      text = nl < 0 ? '' : text.slice(nl + 1);
      before += 1;
    }
    return { text, firstLine: before + 1, truncated: true };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export const bootRoutes = [
  route({
    method: 'get', path: '/api/v1/boots/:id', auth: 'viewer', tag: 'boots', params: IdParams,
    summary: 'One boot: its timeline, findings with their evidence lines, QMP events and cause.',
    ok: { description: 'The boot.', json: BootDetail },
    handle: ({ deps, params }) => bootDetail(knownBoot(deps, params.id)),
  }),
  route({
    method: 'get', path: '/api/v1/boots/:id/console', auth: 'viewer', tag: 'boots', params: IdParams,
    summary: "A boot's console log (its last 4 MiB), with the lines its findings name.",
    ok: { description: 'The console.', json: BootConsole },
    handle: ({ deps, params }) => {
      const b = knownBoot(deps, params.id);
      const path = join(deps.service.home, 'boots', b.id, 'console.log');
      const tail = readConsoleTail(path, CONSOLE_MAX_BYTES, () => serverErrors.make('SERVER_NOT_FOUND', `boot ${b.id} has no console log`));
      const findings = bootDetail(b).findings.flatMap((f) =>
        arr(f['evidence']).map((e) => ({ line: Number(asRec(e)['line']), findingId: String(f['id']), title: String(f['title'] ?? '') })),
      );
      return { bootId: b.id, ...tail, findings: findings.filter((f) => Number.isFinite(f.line)).sort((a, b) => a.line - b.line) };
    },
  }),
];
