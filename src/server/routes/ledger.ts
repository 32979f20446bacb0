import { openNote, parseCheckpoint, decodeEntry, type Ledger } from '../../ledger/index.ts';
import { notFound, route } from '../route.ts';
import { EntriesQuery, InclusionProof, IndexParams, LedgerInfo, LedgerEntries } from '../schemas.ts';

const b64 = (b: Buffer) => b.toString('base64');

function latest(l: Ledger) {
  const note = l.checkpoint();
  return { note, cp: parseCheckpoint(openNote(note, [l.verifier]).text) };
}

export const ledgerRoutes = [
  route({
    method: 'get', path: '/api/v1/ledger', auth: 'viewer', tag: 'ledger',
    summary: 'The transparency log: its size and its latest signed checkpoint.',
    ok: { description: 'The ledger.', json: LedgerInfo },
    handle: ({ deps }) => {
      const l = deps.service.ledger;
      const { note, cp } = latest(l);
      return { origin: l.origin, size: l.size, checkpoint: note, checkpointSize: cp.size, root: b64(cp.root), vkey: l.verifier.vkey };
    },
  }),
  route({
    method: 'get', path: '/api/v1/ledger/entries', auth: 'viewer', tag: 'ledger', query: EntriesQuery,
    summary: 'Entries of the log, decoded, from an index (default: the last ones).',
    ok: { description: 'Entries.', json: LedgerEntries },
    handle: ({ deps, query }) => {
      const l = deps.service.ledger;
      const size = l.size;
      const from = Math.min(query.from ?? Math.max(0, size - query.limit), size);
      const rows = l.entries(from, Math.min(size, from + query.limit));
      return { size, entries: rows.map((r) => ({ index: r.index, entry: decodeEntry(r.bytes) ?? null })) };
    },
  }),
  route({
    method: 'get', path: '/api/v1/ledger/entries/:index/proof', auth: 'viewer', tag: 'ledger', params: IndexParams,
    summary: "An entry's inclusion proof against the latest signed checkpoint (RFC 9162).",
    ok: { description: 'The proof with the checkpoint it is against.', json: InclusionProof },
    handle: ({ deps, params }) => {
      const l = deps.service.ledger;
      const { note, cp } = latest(l);
      if (params.index >= cp.size) throw notFound('ledger entry', params.index);
      const p = l.inclusionProof(params.index, cp.size);
      return { index: p.index, size: p.size, entry: l.entry(params.index).toString('utf8'), leafHash: b64(p.leafHash), root: b64(p.root), proof: p.proof.map(b64), checkpoint: note };
    },
  }),
];
