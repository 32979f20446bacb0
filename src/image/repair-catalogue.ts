import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CAUSE_IDS } from '../core/index.ts';
import { imageErrors } from './errors.ts';


export const REPAIR_IDS = ['rewrite-gpt', 'fsck-root', 'restore-esp', 'restore-boot-files', 'fix-grub-cfg', 'fix-fstab', 'restore-disk', 'restore-bios-boot', 'restore-loaders'] as const;
/** The id of one targeted image repair. */
export type RepairId = (typeof REPAIR_IDS)[number];

const SpecSchema = z.object({
  id: z.enum(REPAIR_IDS),
  summary: z.string().min(1),
  /** The causes (core/ vocabulary, CAUSE_IDS) this repair can fix. */
  causes: z.array(z.enum(CAUSE_IDS)).min(1),
  cost: z.number().positive(),
  needsGolden: z.boolean(),
  /** Runs only when named: it does not keep the guest's data. */
  explicitOnly: z.boolean().default(false),
  fixes: z.array(z.string().min(1)).min(1),
}).strict();
const FileSchema = z.object({ $comment: z.string().optional(), repairs: z.array(SpecSchema), aliases: z.record(z.string(), z.union([z.string(), z.array(z.enum(REPAIR_IDS)).min(1)])) }).strict();

/** What the healing planner needs to know about a repair: the data in repairs.json. */
export type RepairSpec = Readonly<z.infer<typeof SpecSchema>>;

/** The catalogue file: repair specs and the aliases other parts use for groups of them. */
export type RepairCatalogue = Readonly<{ repairs: readonly RepairSpec[]; aliases: Readonly<Record<string, readonly RepairId[]>> }>;

/** Loads and validates repairs.json (knowledge is data); every RepairId must appear once. */
export function loadRepairCatalogue(url: URL = new URL('./repairs.json', import.meta.url)): RepairCatalogue {
  let parsed: z.infer<typeof FileSchema>;
  try {
    parsed = FileSchema.parse(JSON.parse(readFileSync(url, 'utf8')));
  } catch (cause) {
    throw imageErrors.make('IMAGE_REPAIR_FAILED', `repair catalogue ${url.pathname} is invalid: ${(cause as Error).message}`, { cause, fix: 'Fix src/image/repairs.json.' });
  }
  const ids = parsed.repairs.map((r) => r.id);
  const missing = REPAIR_IDS.filter((id) => !ids.includes(id));
  if (missing.length > 0 || new Set(ids).size !== ids.length) {
    throw imageErrors.make('IMAGE_REPAIR_FAILED', `repair catalogue must list each repair once (missing: ${missing.join(', ') || 'none'})`, { fix: 'Fix src/image/repairs.json.' });
  }
  const aliases: Record<string, readonly RepairId[]> = {};
  for (const [k, v] of Object.entries(parsed.aliases)) if (k !== '$comment' && Array.isArray(v)) aliases[k] = Object.freeze([...v]);
  return Object.freeze({ repairs: Object.freeze(parsed.repairs.map((r) => Object.freeze(r))), aliases: Object.freeze(aliases) });
}

/** The repair specs alone (see loadRepairCatalogue). */
export function loadRepairSpecs(url?: URL): readonly RepairSpec[] {
  return loadRepairCatalogue(url).repairs;
}
