// The fault catalogue: data (catalogue.yaml) validated once against this schema.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CAUSE_IDS, parseData, type CauseId } from '../core/index.ts';
import { faultErrors } from './errors.ts';
import { IMAGE_OPS } from './inject-image.ts';

/** Ground-truth causes a diagnosis can name: core/'s CAUSE_IDS, the one list diagnose/ uses
 * too, so a drill scores a diagnosis by comparing ids. */
export const CAUSES = CAUSE_IDS;
export type Cause = CauseId;

const InjectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cmdline'), append: z.string().min(1) }).strict(),
  z.object({ kind: z.literal('vm'), set: z.record(z.string(), z.unknown()).optional(), append: z.string().min(1).optional() }).strict(),
  z
    .object({
      kind: z.literal('file'),
      target: z.enum(['kernel', 'initrd', 'disk0']),
      action: z.enum(['truncate', 'delete', 'zero-head']),
      /** truncate: fraction of the file kept; zero-head: bytes zeroed from the start. */
      keep: z.number().gt(0).lt(1).optional(),
      bytes: z.number().int().positive().optional(),
    })
    .strict(),
  // A disk-booted guest's image: an overlay of it is damaged by `op` (inject-image.ts);
  // `set` changes VmSpec fields as for `vm`.
  z
    .object({
      kind: z.literal('image'),
      op: z.enum(IMAGE_OPS),
      file: z.string().min(1).optional(),
      bytes: z.number().int().positive().optional(),
      keep: z.number().gt(0).lt(1).optional(),
      offset: z.number().int().nonnegative().optional(),
      value: z.string().min(1).optional(),
      victim: z.string().startsWith('/').optional(),
      donor: z.string().startsWith('/').optional(),
      append: z.string().min(1).optional(),
      set: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
  // A disk-booted guest's kernel and initrd, copied off its ESP, booted by QEMU directly
  // (-kernel/-initrd, SeaBIOS, no GRUB) with its grub.cfg command line; `set` as for `vm`.
  z.object({ kind: z.literal('direct-boot'), set: z.record(z.string(), z.unknown()).optional() }).strict(),
]);

const FaultSchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    description: z.string().min(10),
    guests: z.array(z.enum(['tiny', 'debian', 'any'])).min(1),
    injection: InjectionSchema,
    cause: z.enum(CAUSES),
    recoverable: z.boolean(),
    /** Real consoles of this fault in ../shared/corpus/real-boot-failures that the expectation was derived from. */
    corpus: z.array(z.string().regex(/^[a-z0-9-]+\.log$/)).min(1).optional(),
    expected: z
      .object({
        outcome: z.enum(['failed', 'stalled']),
        family: z.string().min(1),
        finding: z.string().optional(),
        qmpEvent: z.string().optional(),
        error: z.string().regex(/^[A-Z]+_[A-Z_]+$/).optional(),
      })
      .strict(),
  })
  .strict();

const CatalogueSchema = z.object({ faults: z.array(FaultSchema).min(1) }).strict();

/** One fault: what breaks, how it is injected, and the truth a diagnosis is scored against. */
export type Fault = Readonly<z.output<typeof FaultSchema>>;
export type Injection = Fault['injection'];

let cached: readonly Fault[] | undefined;

/** Parses and validates catalogue text (names must be unique). */
export function parseCatalogue(text: string, where = 'catalogue.yaml'): readonly Fault[] {
  const r = CatalogueSchema.safeParse(parseData(text, { what: where, format: 'yaml', fail: (m) => faultErrors.make('FAULT_CATALOGUE_INVALID', m) }));
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw faultErrors.make('FAULT_CATALOGUE_INVALID', `${where}: ${i.path.join('.')}: ${i.message}`);
  }
  const seen = new Set<string>();
  for (const f of r.data.faults) {
    if (seen.has(f.name)) throw faultErrors.make('FAULT_CATALOGUE_INVALID', `${where}: fault '${f.name}' is listed twice`);
    seen.add(f.name);
  }
  return Object.freeze(r.data.faults.map((f) => Object.freeze(f)));
}

/** The built-in fault catalogue (src/faults/catalogue.yaml). */
export function loadCatalogue(): readonly Fault[] {
  cached ??= parseCatalogue(readFileSync(new URL('./catalogue.yaml', import.meta.url), 'utf8'));
  return cached;
}

/** The named fault, or FAULT_UNKNOWN listing the names there are. */
export function getFault(name: string): Fault {
  const all = loadCatalogue();
  const f = all.find((x) => x.name === name);
  if (!f) throw faultErrors.make('FAULT_UNKNOWN', `no fault '${name}' (known: ${all.map((x) => x.name).join(', ')})`);
  return f;
}
