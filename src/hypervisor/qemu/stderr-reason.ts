// QEMU's own stderr, turned into a typed reason in one place: every QEMU exit that was
// not asked for passes through here.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { BootmedicError } from '../../core/index.ts';
import { hvErrors } from '../errors.ts';

type Code = keyof typeof hvErrors.catalogue.codes;
const PatternsSchema = z.object({ comment: z.string(), patterns: z.array(z.object({ code: z.string(), pattern: z.string() }).strict()).min(1) }).strict();

const PATTERNS: readonly { code: Code; re: RegExp }[] = PatternsSchema.parse(JSON.parse(readFileSync(new URL('./stderr-patterns.json', import.meta.url), 'utf8'))).patterns.map((p) => {
  if (!(p.code in hvErrors.catalogue.codes)) throw new Error(`stderr-patterns.json: unknown code ${p.code}`);
  return { code: p.code as Code, re: new RegExp(p.pattern, 'i') };
});

/** The meaningful lines of QEMU's stderr: no warnings, no "terminating on signal" notes. */
export function stderrLines(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/warning:/i.test(l) && !/terminating on signal/i.test(l));
}

/**
 * Classifies why QEMU exited from its stderr and exit status. Returns undefined for a
 * clean exit (status 0) with nothing on stderr worth reporting.
 */
export function qemuExitReason(stderr: string, code: number | null, signal: string | null, argv?: readonly string[]): BootmedicError | undefined {
  const lines = stderrLines(stderr);
  if (code === 0 && signal === null) return undefined;
  const details: Record<string, unknown> = { code, signal, stderr: stderr.slice(-4096), ...(argv ? { argv: [...argv] } : {}) };
  if (signal !== null) return hvErrors.make('HV_QEMU_CRASHED', `QEMU was killed by ${signal}${lines.length ? `: ${lines.at(-1)}` : ''}`, { details });
  for (const line of lines) {
    for (const p of PATTERNS) {
      if (p.re.test(line)) return hvErrors.make(p.code, `QEMU exited (status ${code}): ${line}`, { details });
    }
  }
  if (code === 127) return hvErrors.make('HV_QEMU_MISSING', `QEMU could not be started (status 127)${lines.length ? `: ${lines.at(-1)}` : ''}`, { details });
  return hvErrors.make('HV_QEMU_EXITED', `QEMU exited with status ${code}${lines.length ? `: ${lines.at(-1)}` : ' and printed nothing'}`, { details });
}
