// Ledger: its size and signed checkpoint, the latest entries, and for any entry an
// inclusion proof checked here in the browser (WebCrypto) against the signed checkpoint.
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { when } from '../format.ts';
import { useResource } from '../hooks.ts';
import type { LedgerEntryRow } from '../types.ts';
import { Section, Status } from '../ui.tsx';
import { canonicalJson, checkInclusion, type ProofCheck } from '../verify.ts';

const PAGE = 50;

export function LedgerPage() {
  const head = useResource((s) => api.ledger(s), [], (e) => e.kind === 'ledger');
  const size = head.data?.size ?? 0;
  const entries = useResource((s) => (head.data ? api.ledgerEntries(Math.max(0, size - PAGE), PAGE, s) : Promise.resolve([])), [size, head.data !== undefined]);
  const [checks, setChecks] = useState<Record<number, ProofCheck | 'checking' | string>>({});

  const verify = async (row: LedgerEntryRow) => {
    if (!head.data) return;
    setChecks((c) => ({ ...c, [row.index]: 'checking' }));
    try {
      const proof = await api.ledgerProof(row.index);
      const bytes = proof.entry !== undefined ? new TextEncoder().encode(proof.entry) : entryBytes(row);
      const r = await checkInclusion(proof, head.data.publicKey, bytes);
      setChecks((c) => ({ ...c, [row.index]: r }));
    } catch (e) {
      setChecks((c) => ({ ...c, [row.index]: (e as Error).message }));
    }
  };

  const rows = [...(entries.data ?? [])].sort((a, b) => b.index - a.index);
  return (
    <>
      <div class="page-head"><h1>Ledger</h1><p class="summary">A tamper-evident log (RFC 9162 Merkle tree, C2SP signed checkpoints). Any entry's proof is checked here, in your browser.</p></div>
      <Status loading={head.loading && !head.data} error={head.error} />
      {head.data && (
        <Section title={`${head.data.size} entries`}>
          <h3>Latest checkpoint</h3>
          <pre class="note">{head.data.checkpoint}</pre>
          <p class="small">Log key: <span class="mono break">{head.data.publicKey}</span></p>
        </Section>
      )}
      <Section title="Entries">
        <Status loading={entries.loading && !entries.data} error={entries.error} />
        <ul class="ledger-rows">
          {rows.map((r) => (
            <li key={r.index} data-index={r.index}>
              <div class="ledger-row">
                <span class="mono">#{r.index}</span> <strong>{r.type}</strong> {r.vm && <span>{r.vm}</span>} {r.at && <time class="muted small" dateTime={r.at} title={r.at}>{when(r.at)}</time>}
                <button type="button" class="ghost" onClick={() => void verify(r)} disabled={checks[r.index] === 'checking'}>Verify inclusion</button>
              </div>
              <CheckResult c={checks[r.index]} />
            </li>
          ))}
        </ul>
      </Section>
    </>
  );
}

/** The entry's bytes when the API gave every field the ledger hashed (else the proof's leaf is taken as given). */
function entryBytes(row: LedgerEntryRow): Uint8Array | undefined {
  const r = row as LedgerEntryRow & { schema?: string };
  if (typeof r.schema !== 'string' || typeof r.at !== 'string') return undefined;
  const e: Record<string, unknown> = { schema: r.schema, type: r.type, at: r.at, data: r.data ?? null };
  if (r.vm !== undefined) e['vm'] = r.vm;
  return new TextEncoder().encode(canonicalJson(e));
}

function CheckResult({ c }: { c: ProofCheck | 'checking' | string | undefined }) {
  if (c === undefined) return null;
  if (c === 'checking') return <p class="muted small">Checking…</p>;
  if (typeof c === 'string') return <p class="error small" role="alert">{c}</p>;
  const sig = c.signature.status;
  return (
    <div class="check" data-inclusion={c.inclusion.ok ? 'ok' : 'failed'} data-signature={sig}>
      <p class={c.inclusion.ok ? 'good-text' : 'bad-text'}>
        {c.inclusion.ok ? '✔ included' : '✘ inclusion failed'}
        {c.checkpoint && ` in the tree of ${c.checkpoint.size} entries`}
        {c.inclusion.reason && `: ${c.inclusion.reason}`}
      </p>
      <p class={sig === 'verified' ? 'good-text' : sig === 'unsupported' ? 'muted' : 'bad-text'}>
        {sig === 'verified' ? '✔ checkpoint signature verified (Ed25519)' : sig === 'unsupported' ? 'signature not checked' : '✘ checkpoint signature ' + sig}
        {c.signature.reason && `: ${c.signature.reason}`}
      </p>
      {c.leafMatchesEntry !== undefined && <p class={c.leafMatchesEntry ? 'good-text small' : 'bad-text small'}>{c.leafMatchesEntry ? "✔ the entry's bytes hash to the leaf" : "✘ the entry's bytes do not hash to the leaf"}</p>}
      <p class="small muted mono break">root {c.inclusion.computedRoot ?? '—'}</p>
    </div>
  );
}
