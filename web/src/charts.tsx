// The charts: inline SVG for the sparkline, HTML bars for the boot phases and the drill
// results (cheap, styled by CSS classes for both themes), uPlot for the time series.
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import { dur, shortTime } from './format.ts';
import { BOOT_PHASES, type BootRow } from './types.ts';

/** A boot-time trend as a line, newest on the right; nothing below two points (one point is no trend). */
export function Sparkline({ values, label }: { values: readonly number[]; label: string }) {
  const w = 120;
  const h = 28;
  if (values.length < 2) return null;
  const max = Math.max(...values);
  const min = Math.min(...values);
  const span = max - min || 1;
  const x = (i: number) => (i / (values.length - 1)) * (w - 6) + 3;
  const y = (v: number) => h - 3 - ((v - min) / span) * (h - 6);
  const d = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const last = values[values.length - 1]!;
  return (
    <svg class="spark" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`${label}: last ${dur(last)}`}>
      <title>{`${label}: ${values.map((v) => dur(v)).join(', ')}`}</title>
      <path d={d} class="spark-line" />
      <circle cx={x(values.length - 1)} cy={y(last)} r="2.5" class="spark-dot" />
    </svg>
  );
}

/** One row per boot (newest at the top), its phases as stacked segments on a shared time axis. */
export function PhaseBars({ boots }: { boots: readonly BootRow[] }) {
  if (boots.length === 0) return <p class="muted">No boots recorded yet.</p>;
  const rows = boots.slice(0, 15);
  const maxMs = Math.max(1, ...rows.map((b) => b.durationMs));
  const at = (ms: number) => `${((ms / maxMs) * 100).toFixed(2)}%`;
  return (
    <div class="phasebars" role="img" aria-label="boot timeline per phase, newest boot first">
      {rows.map((b) => {
        const marks = [...b.timeline].sort((a, c) => a.atMs - c.atMs);
        const segs: { phase: string; from: number; to: number }[] = [];
        let prev = 0;
        let prevPhase = 'start';
        for (const m of marks) {
          segs.push({ phase: prevPhase, from: prev, to: m.atMs });
          prev = m.atMs;
          prevPhase = m.phase;
        }
        if (b.durationMs > prev) segs.push({ phase: b.status === 'ready' ? prevPhase : 'fail', from: prev, to: b.durationMs });
        return (
          <div class={`pb-row ${b.status === 'ready' ? '' : 'pb-bad'}`} key={b.bootId} title={`${b.bootId}: ${b.status} in ${dur(b.durationMs)} — ${marks.map((m) => `${m.phase} @ ${dur(m.atMs)}`).join(', ')}`}>
            <span class="pb-label">{shortTime(b.startedAt)}</span>
            <span class="pb-track">
              {segs.filter((x) => x.to > x.from).map((x, i) => (
                <i key={i} class={`seg seg-${x.phase}`} style={{ left: at(x.from), width: at(x.to - x.from) }} />
              ))}
            </span>
            <span class="pb-dur">{dur(b.durationMs)}</span>
          </div>
        );
      })}
      <ul class="legend small">
        {['start', ...BOOT_PHASES.filter((p) => p !== 'ready'), 'fail'].map((p) => (
          <li key={p}><i class={`swatch seg-${p}`} />{p === 'start' ? 'qemu start' : p === 'fail' ? 'until failure' : p}</li>
        ))}
      </ul>
    </div>
  );
}

/** Horizontal bars, one per item, scaled to `max` (default: the largest value). */
export function HBars({ items, format, max: fixedMax }: { items: { label: string; value: number | null; tone?: string }[]; format: (v: number) => string; max?: number }) {
  const max = fixedMax ?? Math.max(1, ...items.map((i) => i.value ?? 0));
  return (
    <ul class="hbars">
      {items.map((i, n) => (
        <li key={n}>
          <span class="hb-label" title={i.label}>{i.label}</span>
          <span class="bar">{i.value !== null && <span class={`fill ${i.tone ?? ''}`} style={{ width: `${((i.value / max) * 100).toFixed(1)}%` }} />}</span>
          <span class="hb-value">{i.value === null ? '—' : format(i.value)}</span>
        </li>
      ))}
    </ul>
  );
}

/** The x range of a series: its span, widened to ten minutes around a single boot (uPlot would pick years). */
function xRange(x: readonly number[]): [number, number] {
  const min = Math.min(...x);
  const max = Math.max(...x);
  return max - min < 60 ? [min - 300, max + 300] : [min, max];
}

export type Series = { label: string; values: (number | null)[]; cls: 'a' | 'b' | 'bad' };

/** A uPlot time series (x in Unix seconds, y in ms) that follows its container's width and the theme's colours. */
export function UChart({ x, series, yLabel }: { x: number[]; series: Series[]; yLabel: string }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = el.current;
    if (!box || x.length === 0) return;
    let plot: uPlot | undefined;
    let ro: ResizeObserver | undefined;
    let gone = false;
    // uPlot (and its style sheet) loads with the first chart, not with the page.
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (gone) return;
      const css = getComputedStyle(document.documentElement);
      const color = (c: Series['cls']) => css.getPropertyValue(c === 'bad' ? '--bad' : c === 'a' ? '--accent' : '--accent2').trim() || '#58a';
      const fg = css.getPropertyValue('--muted').trim() || '#888';
      const grid = css.getPropertyValue('--line').trim() || '#8884';
      const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
      const opts: uPlot.Options = {
        width: Math.max(260, box.clientWidth),
        height: 200,
        legend: { show: series.length > 1, live: false },
        scales: { x: { time: true, auto: false, range: xRange(x) }, y: { range: (_u, _min, max) => [0, Math.max(1000, max * 1.15)] } },
        axes: [
          axis,
          { ...axis, label: yLabel, values: (_u, ticks) => ticks.map((t) => dur(t)), size: 60 },
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: color(s.cls),
            width: 2,
            spanGaps: true,
            points: { show: true, size: 6 },
          })),
        ],
      };
      const p = new UPlot(opts, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, box);
      plot = p;
      ro = new ResizeObserver(() => p.setSize({ width: Math.max(260, box.clientWidth), height: 200 }));
      ro.observe(box);
    });
    return () => {
      gone = true;
      ro?.disconnect();
      plot?.destroy();
    };
  }, [JSON.stringify([x, series]), document.documentElement.dataset['theme']]);
  return <div class="uchart" ref={el} />;
}
