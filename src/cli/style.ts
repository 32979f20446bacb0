// Terminal styling and tables for the CLI's human output, in one place. Colours go
// through node:util styleText; whether to colour at all is decided once, by the app config
// (a TTY, NO_COLOR unset, not CI), and passed in as `color`.
import { stripVTControlCharacters, styleText } from 'node:util';

type Format = Parameters<typeof styleText>[0];

/** The styles the CLI uses; each returns its text unchanged when colour is off. */
export type Paint = Readonly<Record<'red' | 'green' | 'yellow' | 'dim' | 'bold' | 'boldRed', (s: string) => string>>;

/** Styling functions: ANSI styles via util.styleText when `color`, plain text otherwise. */
export function paint(color: boolean): Paint {
  // validateStream: false, because the decision (TTY, NO_COLOR, CI) is the app config's, made once.
  const style = (format: Format) => (s: string) => (color ? styleText(format, s, { validateStream: false }) : s);
  return { red: style('red'), green: style('green'), yellow: style('yellow'), dim: style('dim'), bold: style('bold'), boldRed: style(['bold', 'red']) };
}

/** One column of a table: alignment and a minimum width (in visible characters). */
export type Column = Readonly<{ align?: 'left' | 'right'; min?: number }>;

/**
 * Lays rows out in columns, each as wide as its widest cell (styled cells are measured
 * without their escape codes); the last column is not padded. `gap` separates columns (two
 * spaces), or gives each separator in turn. Returns lines without newlines.
 * @example
 * table([['a', '1'], ['bbb', '22']], { columns: [{}, { align: 'right' }] }) // ['a     1', 'bbb  22']
 */
export function table(rows: readonly (readonly string[])[], o: { columns?: readonly Column[]; indent?: string; gap?: string | readonly string[] } = {}): string[] {
  const width = (s: string) => stripVTControlCharacters(s).length;
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? o.columns?.[i]?.min ?? 0, width(c))));
  const gap = (i: number) => (typeof o.gap === 'string' ? o.gap : (o.gap?.[i] ?? '  '));
  return rows.map((r) =>
    r.reduce((line, c, i) => {
      const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(c)));
      const cell = o.columns?.[i]?.align === 'right' ? pad + c : i === r.length - 1 ? c : c + pad;
      return i === 0 ? line + cell : line + gap(i - 1) + cell;
    }, o.indent ?? ''),
  );
}
