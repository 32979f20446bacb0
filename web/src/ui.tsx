// Small shared pieces: badges, loading and error states, page sections.
import type { ComponentChildren } from 'preact';
import { tone } from './format.ts';

/** A state as a coloured pill; `toneOf` overrides the colour its value has (an expected hand-over in a drill is not red). */
export function Badge({ value, label, toneOf }: { value: string | undefined; label?: string; toneOf?: ReturnType<typeof tone> }) {
  return <span class={`badge ${toneOf ?? tone(value)}`} data-state={value}>{label ?? value ?? '—'}</span>;
}

export function Section({ title, children, id, aside }: { title: string; children: ComponentChildren; id?: string; aside?: ComponentChildren }) {
  return (
    <section class="card" id={id}>
      <header class="card-head">
        <h2>{title}</h2>
        {aside}
      </header>
      {children}
    </section>
  );
}

/** What a page shows while its data loads or when the call failed. */
export function Status({ loading, error }: { loading: boolean; error: Error | undefined }) {
  if (error) return <p class="error" role="alert">Could not load: {error.message}</p>;
  if (loading) return <p class="muted">Loading…</p>;
  return null;
}

export function href(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}
