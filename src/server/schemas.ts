import { z } from 'zod';
import { VmSpecSchema } from '../config/index.ts';
import type { VmState } from '../service/index.ts';

// The API's schemas: path, query and body schemas validate requests; response schemas
// describe what the handlers answer. Both go into the OpenAPI document (openapi.ts) from
// the one route table, so the document and the validation cannot drift apart. Schemas with
// an `id` in API_SCHEMAS become named components.

/** A VM name, as VM files allow it (config/vm-spec.ts). */
export const VmName = VmSpecSchema.shape.name.describe('A VM name: lower-case letters, digits, ".", "_" and "-", starting with a letter or digit.');
/** A boot or incident id: never a path, so never a way out of bootmedic's home. */
export const RecordId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ".", "_" and "-" (at most 128), starting with a letter or digit');
const Count = (max: number, dflt: number) => z.coerce.number().int().min(0).max(max).default(dflt);

export const VmParams = z.object({ name: VmName });
export const IdParams = z.object({ id: RecordId });
export const IndexParams = z.object({ index: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export const LimitQuery = z.object({ limit: Count(500, 50).describe('At most this many, newest first.') });
export const EntriesQuery = z.object({
  from: z.coerce.number().int().min(0).optional().describe('First index; default: the last `limit` entries.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const EventsQuery = z.object({
  vm: VmName.optional().describe("Only this VM's events."),
  access_token: z.string().max(200).optional().describe('The bearer token, for EventSource, which cannot set headers. Prefer the Authorization header.'),
});

export const DrillRequest = z.strictObject({
  scenarios: z.number().int().min(1).max(100).describe('How many seeded fault scenarios to run.'),
  seed: z.number().int().min(0).max(2 ** 32 - 1).describe('The seed that picks the scenarios (the same seed, the same drill).'),
  quick: z.boolean().optional().describe('Draw only the quick scenarios (the short demo drill of bootmedic run).'),
});

const VM_STATES = ['starting', 'queued', 'booting', 'ready', 'failed', 'stalled', 'healing', 'handed-over', 'stopped'] as const satisfies readonly VmState[];
// Compile-time check that the list holds every VmState.
const _allStates: Record<VmState, true> = Object.fromEntries(VM_STATES.map((s) => [s, true])) as Record<(typeof VM_STATES)[number], true>;
void _allStates;

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), fix: z.string().optional() }) });

export const LastVerdict = z.object({ bootId: z.string(), status: z.string(), cause: z.string(), reason: z.string(), startedAt: z.string(), durationMs: z.number() });
export const VmSummary = z.object({
  name: z.string(),
  source: z.enum(['qemu', 'libvirt']),
  state: z.enum(VM_STATES),
  heal: z.boolean(),
  lastVerdict: LastVerdict.optional(),
  openIncident: z.string().optional(),
  bootTrend: z.array(z.number()),
});
export const TimelineEntry = z.object({ phase: z.string(), atMs: z.number() });
export const BootSummary = z.object({
  id: z.string(), vm: z.string(), imageKey: z.string(), startedAt: z.string(), status: z.string(), phase: z.string(),
  reason: z.string(), accel: z.string(), durationMs: z.number(),
});
export const EvidenceLine = z.object({ line: z.number(), text: z.string() });
export const Finding = z.looseObject({ id: z.string(), family: z.string(), title: z.string(), phase: z.string(), evidence: z.array(EvidenceLine) });
export const BootDetail = BootSummary.extend({
  timeline: z.array(TimelineEntry),
  cause: z.unknown().describe('The cause the supervisor gave (layer, component, finding).'),
  findings: z.array(Finding),
  evidence: z.array(EvidenceLine).describe('The console lines that decided a failed verdict.'),
  qmpEvents: z.array(z.unknown()),
  resets: z.number(),
});
export const BootConsole = z.object({
  bootId: z.string(),
  /** The console, cleaned lines; numbered from 1 like finding lines. */
  text: z.string(),
  firstLine: z.number().describe('The number of the first line of `text` (1 unless the log was cut to its end).'),
  truncated: z.boolean(),
  findings: z.array(z.object({ line: z.number(), findingId: z.string(), title: z.string() })).describe('The lines that findings name.'),
});
export const IncidentRow = z.object({
  id: z.string(), vm: z.string(), status: z.string(), bootId: z.string().optional(),
  openedAt: z.string(), detectedAt: z.string(), closedAt: z.string().optional(), mttrMs: z.number().optional(),
  fixedBy: z.string().optional(), reason: z.string().optional(),
  topCause: z.object({ cause: z.string(), probability: z.number() }).optional(),
});
export const IncidentList = z.object({ open: z.array(IncidentRow), recent: z.array(IncidentRow) });
export const CauseProbability = z.object({ cause: z.string(), probability: z.number() });
export const IncidentStep = z.object({
  seq: z.number(), remedy: z.string(), state: z.string(), outcome: z.string().optional(),
  startedAt: z.string(), finishedAt: z.string().optional(), detail: z.unknown().optional(),
});
export const IncidentDetail = IncidentRow.extend({
  state: z.string().describe('diagnosed, trying, verifying, healed, shut-down or handed-over.'),
  posterior: z.array(CauseProbability).describe('P(cause) now, after every failed step, highest first.'),
  diagnosis: z.object({ causes: z.array(CauseProbability), explanation: z.unknown() }).describe('The diagnosis that opened the incident, with the explanation of what moved each cause.'),
  steps: z.array(IncidentStep),
  attempts: z.number(),
  forensics: z.array(z.string()),
});
export const HandOver = z.object({
  incidentId: z.string(),
  markdown: z.string().describe('The hand-over report a human takes over (hand-over.md), bounded in size.'),
  report: z.unknown().describe('The same report as data (hand-over.json: reason, diagnosis, posterior, steps, forensic snapshots, last boot), or null when it does not parse.'),
});
const DrillTotals = z.looseObject({ scenarios: z.number() });
export const DrillSummary = z.object({
  id: z.string(), status: z.enum(['running', 'done', 'failed']), scenarios: z.number(), seed: z.number(), done: z.number(),
  startedAt: z.string(), totals: DrillTotals.optional(), error: z.string().optional(),
  files: z.object({ html: z.string(), md: z.string(), json: z.string().optional() }).optional(),
});
export const DrillDetail = DrillSummary.extend({ report: z.looseObject({ id: z.string() }).optional() });
export const LedgerInfo = z.object({
  origin: z.string(), size: z.number().describe('Entries in the log now.'),
  checkpoint: z.string().describe('The latest signed checkpoint (C2SP signed note).'),
  checkpointSize: z.number(), root: z.string().describe('Root hash of the checkpoint, base64.'), vkey: z.string().describe('The verifier key of the log (C2SP vkey).'),
});
export const LedgerEntries = z.object({ size: z.number(), entries: z.array(z.object({ index: z.number(), entry: z.unknown().describe('The decoded entry, or null when it does not decode.') })) });
export const InclusionProof = z.object({
  index: z.number(), size: z.number().describe('The tree size of the checkpoint the proof is against.'),
  entry: z.string().describe('The entry bytes as UTF-8.'), leafHash: z.string(), root: z.string(), proof: z.array(z.string()).describe('Hashes, base64, RFC 9162 order.'),
  checkpoint: z.string(),
});
export const ImageRow = z.looseObject({ id: z.string(), name: z.string(), version: z.string(), sha256: z.string(), state: z.string() });
export const Health = z.object({ ok: z.boolean() });
export const Ready = z.object({ ready: z.boolean() });

/** The named components of the OpenAPI document, output side (responses). */
export const RESPONSE_SCHEMAS = {
  Error: ErrorBody, VmSummary, BootSummary, BootDetail, BootConsole, IncidentRow, IncidentList, IncidentDetail, HandOver,
  DrillSummary, DrillDetail, LedgerInfo, LedgerEntries, InclusionProof, Image: ImageRow, Health, Ready,
} as const;
/** The named components, input side (request bodies). */
export const REQUEST_SCHEMAS = { DrillRequest } as const;
