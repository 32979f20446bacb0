// The ledger's entry: canonical JSON (keys sorted, no white space) with a schema version,
// so the same event always hashes to the same leaf.
import { canonicalJson } from '../core/index.ts';
import { ledgerErrors } from './errors.ts';
import { MAX_ENTRY_BYTES } from './tiles.ts';

/** Schema tag of every entry this version writes. */
export const ENTRY_SCHEMA = 'bootmedic.ledger.entry/v1';

/** Entry types other parts append; any other non-empty string is allowed too. */
export type LedgerEntryType = 'boot-outcome' | 'findings' | 'diagnosis' | 'action' | 'config-change' | 'drill';

/** What a caller appends. `at` defaults to the ledger clock's now (ISO 8601). */
export type LedgerEntryInput = Readonly<{
  type: LedgerEntryType | (string & {});
  vm?: string;
  at?: string;
  data: unknown;
}>;

/** An entry as stored: the input plus the schema tag and a time. */
export type LedgerEntry = Readonly<{ schema: string; type: string; vm?: string; at: string; data: unknown }>;

/** Encodes an entry as canonical JSON bytes; bad data throws LEDGER_BAD_ENTRY or LEDGER_ENTRY_TOO_LARGE. */
export function encodeEntry(input: LedgerEntryInput, now: () => Date): Buffer {
  if (typeof input !== 'object' || input === null || typeof input.type !== 'string' || input.type.length === 0) {
    throw ledgerErrors.make('LEDGER_BAD_ENTRY', 'ledger entry: type must be a non-empty string');
  }
  if (input.vm !== undefined && typeof input.vm !== 'string') throw ledgerErrors.make('LEDGER_BAD_ENTRY', `ledger entry ${input.type}: vm must be a string`);
  if (input.at !== undefined && (typeof input.at !== 'string' || Number.isNaN(Date.parse(input.at)))) {
    throw ledgerErrors.make('LEDGER_BAD_ENTRY', `ledger entry ${input.type}: at must be an ISO 8601 time`);
  }
  const entry: Record<string, unknown> = { schema: ENTRY_SCHEMA, type: input.type, at: input.at ?? now().toISOString(), data: input.data ?? null };
  if (input.vm !== undefined) entry['vm'] = input.vm;
  let text: string;
  try {
    text = canonicalJson(entry);
  } catch (cause) {
    throw ledgerErrors.make('LEDGER_BAD_ENTRY', `ledger entry ${input.type}: ${(cause as Error).message}`, { cause });
  }
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_ENTRY_BYTES) {
    throw ledgerErrors.make('LEDGER_ENTRY_TOO_LARGE', `ledger entry ${input.type}: ${bytes.length} bytes, the limit is ${MAX_ENTRY_BYTES}`);
  }
  return bytes;
}

/** Decodes stored entry bytes; bytes that are not an entry of ours come back as `undefined`. */
export function decodeEntry(bytes: Uint8Array): LedgerEntry | undefined {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as LedgerEntry).type === 'string' && typeof (v as LedgerEntry).schema === 'string') return v as LedgerEntry;
  } catch {
    // fall through: not JSON
  }
  return undefined;
}
