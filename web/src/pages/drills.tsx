// Drills: start one (seed, count), its live progress from `drill` events, and the
// finished reports with their charts (recovery, MTTR per scenario).
import { useState } from 'preact/hooks';
import { api, AuthError } from '../api.ts';
import { HBars } from '../charts.tsx';
import { dur, pct, tone, when } from '../format.ts';
import { useLive, useResource } from '../hooks.ts';
import type { DrillDetail, DrillProgress, DrillSummary } from '../types.ts';
import { Badge, Section, Status, href } from '../ui.tsx';

export function DrillsPage() {
  const drills = useResource((s) => api.drills(s), [], (e) => e.kind === 'drill-end');
  const [progress, setProgress] = useState<Record<string, DrillProgress>>({});
  useLive((e) => {
    if (e.kind === 'drill') setProgress((p) => ({ ...p, [e.drillId]: e.progress }));
    if (e.kind === 'drill' && !(drills.data ?? []).some((d) => d.id === e.drillId)) drills.refetch();
  });
  const list = [...(drills.data ?? [])].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return (
    <>
      <div class="page-head"><h1>Drills</h1><p class="summary muted">Inject faults into throw-away copies of the VMs and measure detection, diagnosis and recovery.</p></div>
      <StartForm onStarted={() => drills.refetch()} />
      <Status loading={drills.loading && !drills.data} error={drills.error} />
      <Section title="Drills">
        {list.length === 0 && drills.data && <p class="muted">No drill has run yet.</p>}
        <ul class="rows">
          {list.map((d) => <DrillRow key={d.id} d={d} p={progress[d.id]} />)}
        </ul>
      </Section>
    </>
  );
}

function DrillRow({ d, p }: { d: DrillSummary; p: DrillProgress | undefined }) {
  const done = p?.done ?? d.done;
  const total = p?.total ?? d.scenarios;
  const running = d.status === 'running';
  return (
    <li class="drill-row">
      <a href={href('drills', d.id)}>{d.id}</a> <Badge value={d.status} /> <span class="muted small">seed {d.seed} · {when(d.startedAt)}</span>
      {running && (
        <div class="progress" aria-label={`drill progress ${done} of ${total}`}>
          <progress max={Math.max(1, total)} value={done} /> <span class="small">{done}/{total}{p?.current ? ` — ${p.current}` : ''}</span>
        </div>
      )}
      {d.totals && <span class="small"> recovered {pct(d.totals.recoveryRate)} · top-1 {pct(d.totals.top1Accuracy)} · MTTR median {dur(d.totals.mttrMedianMs)}</span>}
      {d.error && <div class="error small">{d.error}</div>}
    </li>
  );
}

function StartForm({ onStarted }: { onStarted: () => void }) {
  const [seed, setSeed] = useState(String(Math.floor(Math.random() * 1e6)));
  const [count, setCount] = useState('6');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setMsg(undefined);
    try {
      const d = await api.startDrill(Number(count), Number(seed));
      setMsg({ ok: true, text: `Drill ${d.id} started.` });
      onStarted();
    } catch (err) {
      setMsg({ ok: false, text: err instanceof AuthError && err.status === 403 ? 'Starting a drill needs an operator token.' : (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card inline-form" onSubmit={submit}>
      <label>Seed <input name="seed" inputMode="numeric" pattern="[0-9]+" required value={seed} onInput={(e) => setSeed((e.target as HTMLInputElement).value)} /></label>
      <label>Scenarios <input name="count" type="number" min="1" max="200" required value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" disabled={busy}>Start drill</button>
      {msg && <span class={msg.ok ? 'good-text' : 'error'} role="status">{msg.text}</span>}
    </form>
  );
}

export function DrillPage({ id }: { id: string }) {
  const d = useResource((s) => api.drill(id, s), [id], (e) => (e.kind === 'drill' || e.kind === 'drill-end') && e.drillId === id);
  const [p, setP] = useState<DrillProgress | undefined>();
  useLive((e) => {
    if (e.kind === 'drill' && e.drillId === id) setP(e.progress);
  }, [id]);
  const x = d.data;
  return (
    <>
      <div class="page-head">
        <p class="crumbs"><a href="#/drills">Drills</a> /</p>
        <h1>Drill {id} {x && <Badge value={x.status} />}</h1>
        {x && <p class="summary">seed {x.seed} · {x.scenarios} scenario{x.scenarios === 1 ? '' : 's'} · started {when(x.startedAt)}</p>}
        {x?.status === 'done' && <ReportFiles id={x.id} />}
      </div>
      <Status loading={d.loading && !x} error={d.error} />
      {x?.status === 'running' && (
        <div class="card progress"><progress max={Math.max(1, p?.total ?? x.scenarios)} value={p?.done ?? x.done} /> {p?.done ?? x.done}/{p?.total ?? x.scenarios} {p?.current && <span class="muted">— {p.current}</span>}</div>
      )}
      {x && <DrillReport d={x} />}
    </>
  );
}

function DrillReport({ d }: { d: DrillDetail }) {
  const t = d.report?.totals ?? d.totals;
  const sc = d.report?.scenarios ?? [];
  const counts = new Map<string, number>();
  for (const s of sc) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  return (
    <>
      {t && (
        <div class="tiles">
          <Tile label="Detected" value={pct(t.detectionRate)} />
          <Tile label="Top-1 cause right" value={pct(t.top1Accuracy)} />
          <Tile label="Recovered" value={pct(t.recoveryRate)} />
          <Tile label="Handed over" value={String(t.handedOver)} />
          <Tile label="MTTR median" value={dur(t.mttrMedianMs)} />
          <Tile label="MTTR p95" value={dur(t.mttrP95Ms)} />
        </div>
      )}
      {t && (
        <div class="grid2">
          <Section title="Rates">
            <HBars
              items={[
                { label: 'detection', value: t.detectionRate * 100, tone: 'good' },
                { label: 'top-1 diagnosis', value: t.top1Accuracy * 100, tone: 'good' },
                { label: 'recovery', value: t.recoveryRate * 100, tone: 'good' },
                // A rate over no unrecoverable fault says nothing: no bar for it.
                ...(t.handOverRate !== undefined && t.unrecoverable !== 0 ? [{ label: 'clean hand-over', value: t.handOverRate * 100, tone: 'idle' }] : []),
              ]}
              max={100}
              format={(v) => `${v.toFixed(0)} %`}
            />
            <p class="small muted">{[...counts].map(([o, n]) => `${n} ${o}`).join(' · ')}</p>
          </Section>
          <Section title="Time to detect + MTTR per scenario">
            <HBars
              items={[
                ...(t.cleanBootMs !== undefined ? [{ label: 'clean boot (for scale)', value: t.cleanBootMs, tone: 'idle' }] : []),
                ...sc.map((s) => ({
                  label: `${s.index} ${s.name}`,
                  value: s.mttrMs === undefined && s.timeToDetectMs === undefined ? null : (s.timeToDetectMs ?? 0) + (s.mttrMs ?? 0),
                  tone: s.outcome === 'recovered' ? 'good' : s.ok === false ? 'bad' : 'idle',
                })),
              ]}
              format={dur}
            />
          </Section>
        </div>
      )}
      {sc.length > 0 && (
        <Section title="Scenarios">
          <div class="table-wrap">
            <table>
              <thead><tr><th>#</th><th>Scenario</th><th class="hide-phone">True cause</th><th>Top cause</th><th class="hide-phone">Remedies tried</th><th>MTTR</th><th>Result</th></tr></thead>
              <tbody>
                {sc.map((s) => (
                  <tr key={s.index} class={s.ok === false ? 'bad-row' : ''}>
                    <td>{s.index}</td>
                    <td>{s.name}</td>
                    <td class="hide-phone">{s.trueCauses?.join(', ') ?? '—'}</td>
                    <td>{s.topCause ?? '—'}{s.topProbability !== undefined && <span class="muted small"> {pct(s.topProbability)}</span>}{s.top1Correct === false && <span class="bad-text small"> wrong</span>}</td>
                    <td class="hide-phone">{s.remedies?.length ? s.remedies.join(' → ') : '—'}</td>
                    <td>{dur(s.mttrMs)}</td>
                    <td><Badge value={s.outcome} {...(s.ok === true && tone(s.outcome) === 'bad' ? { toneOf: 'idle' as const, label: `${s.outcome} (expected)` } : {})} />{s.ok === false && s.expectedOutcome && <span class="small muted"> expected {s.expectedOutcome}</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Section>
      )}
      {d.report?.ledger && (
        <Section title="Ledger">
          <p>The drill's summary is <a href="#/ledger">ledger entry {d.report.ledger.index}</a>; this signed checkpoint covers it:</p>
          <pre class="note">{d.report.ledger.checkpoint}</pre>
        </Section>
      )}
    </>
  );
}

/**
 * The drill's report files. A link cannot carry the bearer token, so each is fetched with it:
 * the HTML report is saved as a file (opened from disk it has its own styles; served, its CSP
 * sandboxes it), the Markdown one is shown here.
 */
function ReportFiles({ id }: { id: string }) {
  const [md, setMd] = useState<string | undefined>();
  const [err, setErr] = useState<string | undefined>();
  const [busy, setBusy] = useState<'html' | 'md' | undefined>();
  const get = async (ext: 'html' | 'md') => {
    if (ext === 'md' && md !== undefined) return setMd(undefined);
    setBusy(ext);
    setErr(undefined);
    try {
      const text = await api.drillReport(id, ext);
      if (ext === 'md') setMd(text);
      else {
        const url = URL.createObjectURL(new Blob([text], { type: 'text/html' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = `bootmedic-drill-${id}.html`;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }
    } catch (e) {
      setErr((e as Error).message);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <>
      <p class="report-files">
        <button type="button" class="ghost" data-report="html" disabled={busy !== undefined} onClick={() => void get('html')}>Download the HTML report</button>
        <button type="button" class="ghost" data-report="md" aria-expanded={md !== undefined} disabled={busy !== undefined} onClick={() => void get('md')}>{md === undefined ? 'Show the Markdown report' : 'Hide the Markdown report'}</button>
        {err && <span class="error small" role="alert">{err}</span>}
      </p>
      {md !== undefined && <pre class="note report-md">{md}</pre>}
    </>
  );
}

function Tile({ label, value }: { label: string; value: string }) {
  return <div class="tile"><div class="tile-v">{value}</div><div class="tile-l">{label}</div></div>;
}
