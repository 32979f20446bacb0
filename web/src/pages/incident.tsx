// Incident: the evidence lines, the causes as bars with their probabilities and what moved
// them, the remedies tried with their results, the MTTR, the forensic snapshot and the
// hand-over report.
import { api } from '../api.ts';
import { dur, pct, when } from '../format.ts';
import { useResource } from '../hooks.ts';
import { markdownBlocks } from '../adapt.ts';
import type { HandOver as HandOverReport, Incident } from '../types.ts';
import { Badge, Section, Status, href } from '../ui.tsx';

/** The explanation's lines shown at once (the summary and the strongest evidence); the rest fold away. */
const EXPLAIN_SHOWN = 4;

export function IncidentPage({ id }: { id: string }) {
  const inc = useResource((s) => api.incident(id, s), [id], (e) => e.kind === 'heal' && e.event.incidentId === id);
  const i = inc.data;
  return (
    <>
      <div class="page-head">
        <p class="crumbs"><a href="#/">Fleet</a> / {i && <><a href={href('vms', i.vm)}>{i.vm}</a> /</>}</p>
        <h1>Incident <span class="record-id" title={id}>{id}</span> {i && <Badge value={i.status} />}</h1>
        {i && (
          <p class="summary">
            <strong>{i.vm}</strong> · detected {when(i.detectedAt)}
            {i.closedAt !== undefined && <> · closed {when(i.closedAt)}</>}
            {' · '}{i.status === 'handed-over' ? <strong class="bad-text">handed over: needs a human</strong> : <>MTTR <strong>{i.mttrMs !== undefined ? dur(i.mttrMs) : i.closedAt === undefined ? 'still open' : '—'}</strong></>}
            {i.fixedBy && <> · fixed by <strong>{i.fixedBy}</strong></>}
          </p>
        )}
      </div>
      <Status loading={inc.loading && !i} error={inc.error} />
      {i && <IncidentBody i={i} />}
    </>
  );
}

function IncidentBody({ i }: { i: Incident }) {
  const causes = [...i.causes].sort((a, b) => b.probability - a.probability);
  return (
    <>
      <Section title="Evidence">
        {i.evidence.length === 0 ? (
          <p class="muted">No evidence lines.</p>
        ) : (
          <div class="console evidence">
            {i.evidence.map((e) => (
              <div class="cl hit" key={e.line}><span class="ln">{e.line}</span><span class="cl-text">{e.text}</span></div>
            ))}
          </div>
        )}
      </Section>
      <div class="grid2">
        <Section title="Likely causes">
          <ol class="causes">
            {causes.map((c, n) => (
              <li key={c.cause} class={n === 0 ? 'top' : ''}>
                <span class="cause-name">{c.cause}</span>
                <span class="bar"><span class="fill" style={{ width: `${Math.max(1, Math.min(100, c.probability * 100)).toFixed(1)}%` }} /></span>
                <span class="prob">{pct(c.probability)}</span>
              </li>
            ))}
          </ol>
          {i.explanation.length > 0 && (
            <>
              <h3>What moved them</h3>
              <ul class="explain">{i.explanation.slice(0, EXPLAIN_SHOWN).map((x, n) => <li key={n}>{x}</li>)}</ul>
              {i.explanation.length > EXPLAIN_SHOWN && (
                <details class="explain-more">
                  <summary>{i.explanation.length - EXPLAIN_SHOWN} more pieces of evidence</summary>
                  <ul class="explain">{i.explanation.slice(EXPLAIN_SHOWN).map((x, n) => <li key={n}>{x}</li>)}</ul>
                </details>
              )}
            </>
          )}
        </Section>
        <Section title="Remedies tried">
          {i.steps.length === 0 ? (
            <p class="muted">No remedy tried yet.</p>
          ) : (
            <ol class="steps">
              {i.steps.map((s) => (
                <li key={s.seq}>
                  <span class="step-remedy">{s.remedy}</span> <Badge value={s.status} />
                  {s.result && <div class="small">{s.result}</div>}
                  <div class="muted small">{when(s.startedAt)}{s.endedAt !== undefined && ` → ${when(s.endedAt)}`}</div>
                </li>
              ))}
            </ol>
          )}
        </Section>
      </div>
      {i.handOver && (
        <Section title="Hand-over report" id="handover" aside={<Badge value="handed-over" label="needs a human" />}>
          <HandOver report={i.handOver} />
        </Section>
      )}
      <Forensics refs={[...new Set([...i.forensics, ...(i.handOver?.forensicSnapshots ?? [])])]} />
    </>
  );
}

/** Where the copies of the failed VM are: one reference per line, selectable. */
function Forensics({ refs }: { refs: string[] }) {
  if (refs.length === 0) return null;
  return (
    <Section title={refs.length === 1 ? 'Forensic snapshot' : `Forensic snapshots (${refs.length})`} id="forensics">
      <p class="small muted">Copies of the failed VM kept before a destructive step, for a human to examine.</p>
      <ul class="forensics">
        {refs.map((r) => <li key={r}><code class="mono">{r}</code></li>)}
      </ul>
    </Section>
  );
}

/** The report as the service wrote it (its Markdown read as headings, lists and lines; never as HTML). */
function HandOver({ report }: { report: HandOverReport }) {
  if (report.markdown === undefined) {
    return <p class="handover-reason">{report.reason ?? 'Healing gave this incident to a human.'} <span class="muted small">(the report file is not available)</span></p>;
  }
  return (
    <div class="md handover">
      {markdownBlocks(report.markdown).map((b, n) => {
        switch (b.kind) {
          case 'h1': return <h3 key={n}>{b.text}</h3>;
          case 'h2': return <h4 key={n}>{b.text}</h4>;
          case 'p': return <p key={n}>{b.text}</p>;
          case 'ul': return <ul key={n}>{b.items.map((x, k) => <li key={k}>{x}</li>)}</ul>;
        }
      })}
    </div>
  );
}
