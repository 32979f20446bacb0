// VM: its state and last verdict, the live console of the current boot (finding lines
// highlighted and linked to their finding), the boot timeline per phase, and boot
// durations over time.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { PhaseBars, UChart } from '../charts.tsx';
import { causeWord, dur, shortId, when } from '../format.ts';
import { useLive, useResource } from '../hooks.ts';
import type { ConsoleLine, Finding } from '../types.ts';
import { Badge, Section, Status, href } from '../ui.tsx';

const MAX_LINES = 2000;

export function VmPage({ name }: { name: string }) {
  const vm = useResource((s) => api.vm(name, s), [name], (e) => (e.kind === 'boot' || e.kind === 'heal') && e.vm === name);
  const boots = useResource((s) => api.boots(name, s), [name], (e) => e.kind === 'boot' && e.vm === name && (e.event.type === 'outcome' || e.event.type === 'boot-start'));
  useLive((e) => {
    if (e.kind === 'vm-state' && e.vm === name) vm.set((v) => ({ ...v, state: e.state }));
  }, [name]);
  const v = vm.data;
  const rows = boots.data ?? [];
  const newestBoot = rows[0]?.bootId ?? v?.lastVerdict?.bootId;
  return (
    <>
      <div class="page-head">
        <p class="crumbs"><a href="#/">Fleet</a> /</p>
        <h1>{name} {v && <Badge value={v.state} />}</h1>
        {v?.lastVerdict && (
          <p class="summary">
            last boot <Badge value={v.lastVerdict.status} /> {causeWord(v.lastVerdict.cause) && <>{causeWord(v.lastVerdict.cause)} — </>}{v.lastVerdict.reason} <span class="muted">({when(v.lastVerdict.startedAt)}, {dur(v.lastVerdict.durationMs)})</span>
          </p>
        )}
        {v?.openIncident && <p><a class="incident-link" href={href('incidents', v.openIncident)} title={`incident ${v.openIncident}`}>Open incident {shortId(v.openIncident)} →</a></p>}
      </div>
      <Status loading={vm.loading && !v} error={vm.error} />
      {v && <LiveConsole vm={name} initialBoot={newestBoot} />}
      <div class="grid2">
        <Section title="Boot timeline by phase">
          <Status loading={boots.loading && !boots.data} error={boots.error} />
          <PhaseBars boots={rows} />
        </Section>
        <Section title="Boot durations">
          {rows.length > 0 ? (
            <UChart
              x={[...rows].reverse().map((b) => Date.parse(b.startedAt) / 1000)}
              series={[
                { label: 'ready', cls: 'a', values: [...rows].reverse().map((b) => (b.status === 'ready' ? b.durationMs : null)) },
                { label: 'failed', cls: 'bad', values: [...rows].reverse().map((b) => (b.status !== 'ready' ? b.durationMs : null)) },
              ]}
              yLabel="duration"
            />
          ) : (
            <p class="muted">No boots yet.</p>
          )}
        </Section>
      </div>
      <Section title="Recent boots">
        <div class="table-wrap">
          <table>
            <thead><tr><th>Boot</th><th>Verdict</th><th>Cause</th><th>Reason</th><th class="hide-phone">Started</th><th>Took</th></tr></thead>
            <tbody>
              {rows.map((b) => (
                <tr key={b.bootId} class={b.status !== 'ready' ? 'bad-row' : ''}>
                  <td class="mono">{b.bootId}</td>
                  <td><Badge value={b.status} /></td>
                  <td>{causeWord(b.cause) || (b.status !== 'ready' && b.phase ? `in ${b.phase}` : '')}</td>
                  <td class="reason-cell">{b.reason}</td>
                  <td class="hide-phone">{when(b.startedAt)}</td>
                  <td>{dur(b.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
    </>
  );
}

/** The console of the VM's current boot: the stored lines first, then each SSE `console` line. */
function LiveConsole({ vm, initialBoot }: { vm: string; initialBoot: string | undefined }) {
  const [bootId, setBootId] = useState(initialBoot);
  const [lines, setLines] = useState<ConsoleLine[]>([]);
  const [findings, setFindings] = useState<Finding[]>([]);
  const [marked, setMarked] = useState<Set<number>>(new Set());
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  const pending = useRef<ConsoleLine[]>([]);
  const flushTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const flush = () => {
    flushTimer.current = undefined;
    const add = pending.current;
    pending.current = [];
    if (add.length > 0) setLines((l) => mergeLines(l, add));
  };
  useEffect(() => () => clearTimeout(flushTimer.current), []);

  useEffect(() => {
    if (bootId === undefined && initialBoot !== undefined) setBootId(initialBoot);
  }, [initialBoot]);

  // The stored part of the boot's console and its findings (the live part may already be in).
  useEffect(() => {
    if (bootId === undefined) return;
    const ac = new AbortController();
    api.bootConsole(bootId, ac.signal).then(
      (c) => {
        setLines((live) => mergeLines(c.lines, live));
        setMarked((m) => new Set([...m, ...c.findingLines]));
      },
      () => undefined,
    );
    api.boot(bootId, ac.signal).then(
      (b) => setFindings((f) => mergeFindings(f, b.findings ?? [])),
      () => undefined,
    );
    return () => ac.abort();
  }, [bootId]);

  useLive((e) => {
    if (e.kind === 'console' && e.vm === vm) {
      if (e.bootId !== bootId) {
        pending.current = [];
        setBootId(e.bootId);
        setLines([{ no: e.line, text: e.text }]);
        setFindings([]);
        setMarked(new Set());
      } else {
        // Lines come in bursts: render them at most every 50 ms.
        pending.current.push({ no: e.line, text: e.text });
        if (pending.current.length > MAX_LINES) pending.current = pending.current.slice(-MAX_LINES);
        flushTimer.current ??= setTimeout(flush, 50);
      }
    } else if (e.kind === 'boot' && e.vm === vm) {
      const ev = e.event;
      if (ev.type === 'boot-start') {
        pending.current = [];
        setBootId(ev.bootId);
        setLines([]);
        setFindings([]);
        setMarked(new Set());
      } else if (ev.type === 'finding') {
        setFindings((f) => mergeFindings(f, [ev.finding]));
        setMarked((m) => new Set([...m, ...ev.finding.evidence.map((x) => x.line)]));
      }
    }
  }, [vm, bootId]);

  useEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);

  const findingOf = (no: number) => findings.find((f) => f.evidence.some((x) => x.line === no));
  const jump = (id: string) => document.getElementById(`finding-${id}`)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
  return (
    <Section
      title="Console"
      aside={
        <span class="small muted">
          {bootId ? <>boot <span class="mono">{bootId}</span></> : 'no boot yet'} ·{' '}
          <label><input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} /> follow</label>
        </span>
      }
    >
      <div class="console" ref={box} role="log" aria-live="off">
        {lines.length === 0 && <div class="muted">Waiting for console output…</div>}
        {lines.map((l) => {
          const f = marked.has(l.no) ? findingOf(l.no) : undefined;
          return (
            <div key={l.no} class={marked.has(l.no) ? 'cl hit' : 'cl'} data-line={l.no}>
              <span class="ln">{l.no}</span>
              {f ? (
                <button type="button" class="cl-text linkish" title={`${f.title} (${f.id})`} onClick={() => jump(f.id)}>{l.text}</button>
              ) : (
                <span class="cl-text">{l.text}</span>
              )}
            </div>
          );
        })}
      </div>
      {findings.length > 0 && (
        <ul class="findings">
          {findings.map((f) => (
            <li key={f.id} id={`finding-${f.id}`} class={f.stopsBoot ? 'bad' : ''}>
              <strong>{f.title}</strong> <span class="muted small">{f.id} · {f.family}{f.layer ? ` · ${f.layer}` : ''}{f.component ? ` · ${f.component}` : ''}</span>
              <div class="small">lines {f.evidence.map((x) => x.line).join(', ')}</div>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function mergeLines(a: ConsoleLine[], b: ConsoleLine[]): ConsoleLine[] {
  // The usual case: new lines after the last one, in order.
  const last = a.length > 0 ? a[a.length - 1]!.no : -Infinity;
  if (b.every((l, i) => l.no > (i === 0 ? last : b[i - 1]!.no))) {
    const out = a.concat(b);
    return out.length > MAX_LINES ? out.slice(-MAX_LINES) : out;
  }
  const byNo = new Map<number, ConsoleLine>();
  for (const l of a) byNo.set(l.no, l);
  for (const l of b) byNo.set(l.no, l);
  const out = [...byNo.values()].sort((x, y) => x.no - y.no);
  return out.length > MAX_LINES ? out.slice(-MAX_LINES) : out;
}

function mergeFindings(a: Finding[], b: Finding[]): Finding[] {
  const ids = new Set(a.map((f) => f.id));
  return [...a, ...b.filter((f) => !ids.has(f.id))];
}
