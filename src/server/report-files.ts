import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isBootmedicError, LIMIT, readGuardedText } from '../core/index.ts';
import { serverErrors } from './errors.ts';
import { notFound } from './route.ts';

// Report files the service wrote under its home, reached only through a record the store or
// the drill runner knows (an incident, a listed drill): the path is built from the record's own
// id, never from the request, and each read is bounded (the writers bound them to
// LIMIT.REPORT_FILE_MAX_BYTES; a larger file is refused, not streamed).

/** The CSP of a drill's HTML report: no scripts, no requests; its inline styles and SVG charts only. */
export const REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/** A record id as one path segment (ids are [A-Za-z0-9][A-Za-z0-9._-]*; this also refuses anything else). */
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;

/** Reads `<home>/<folder>/<id>/<file>`, or SERVER_NOT_FOUND naming `what` when it is not there. */
export function readReportFile(home: string, folder: 'incidents' | 'drills', id: string, file: string, what: string): string {
  if (!SEGMENT.test(id)) throw notFound(what, id);
  const path = join(home, folder, id, file);
  if (!existsSync(path)) throw notFound(what, id);
  try {
    return readGuardedText(path, { what, maxBytes: MAX_BYTES });
  } catch (e) {
    // Too large, not a regular file, unreadable: a 500 that names the code, never the home's path.
    throw serverErrors.make('SERVER_INTERNAL', `the ${what} ${JSON.stringify(id)} cannot be served (${isBootmedicError(e) ? e.code : 'read failed'})`, { cause: e });
  }
}

/** The writers cut reports to LIMIT.REPORT_FILE_MAX_BYTES (with a marker); a little slack for the marker. */
export const MAX_BYTES = LIMIT.REPORT_FILE_MAX_BYTES + 4096;

/** The hand-over report of an incident, Markdown and (when it parses) its JSON twin. */
export function readHandOver(home: string, incidentId: string): { incidentId: string; markdown: string; report: unknown } {
  const markdown = readReportFile(home, 'incidents', incidentId, 'hand-over.md', 'hand-over report of incident');
  let report: unknown = null;
  try {
    report = JSON.parse(readReportFile(home, 'incidents', incidentId, 'hand-over.json', 'hand-over report of incident'));
  } catch {
    report = null;
  }
  return { incidentId, markdown, report };
}

/** The drills/<id> folder is where the runner writes; the summary's `files` paths are not trusted. */
export const drillReportFile = (home: string, drillId: string, ext: 'html' | 'md') => readReportFile(home, 'drills', drillId, `report.${ext}`, `${ext === 'html' ? 'HTML' : 'Markdown'} report of drill`);
