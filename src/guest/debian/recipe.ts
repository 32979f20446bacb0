// The Debian guest recipe is data (recipe.json); this file validates it and derives the
// cache keys from it, so that a change to the package list re-runs debootstrap and a
// change to anything else only re-assembles the image.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { canonicalJson } from '../../core/index.ts';
import { debianErrors } from './errors.ts';

const pkg = z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name');

const RecipeSchema = z
  .object({
    suite: z.string().regex(/^[a-z]+$/),
    variant: z.enum(['minbase', 'buildd', '-']),
    arch: z.literal('amd64'),
    components: z.array(z.string().regex(/^[a-z-]+$/)).min(1),
    defaultMirror: z.url(),
    include: z.array(pkg).min(1),
    grubPackages: z.object({ uefi: z.array(pkg).min(1), bios: z.array(pkg).min(1) }).strict(),
    /** UEFI Secure Boot variant: Debian's signed shim (and MokManager) and signed monolithic GRUB. */
    secureBootPackages: z.array(pkg).min(1),
    hostname: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
    rootPassword: z.string().min(1).regex(/^[^:\n]+$/),
    initramfsConf: z.record(z.string().regex(/^[A-Z_]+$/), z.string().regex(/^[\w.-]+$/)),
    espMiB: z.number().int().min(64).max(4096),
    rootMiB: z.number().int().min(512).max(65536),
    biosBootMiB: z.number().int().min(1).max(8),
    cmdline: z.string().regex(/^[^\n"]*$/),
    grubTimeoutSeconds: z.number().int().min(0).max(60),
  })
  .strict();

/** The validated Debian guest recipe. */
export type DebianRecipe = Readonly<z.output<typeof RecipeSchema>>;

/** Firmware the image is built to boot with. */
export type DebianFirmware = 'uefi' | 'bios';

/**
 * Bumped when the assembly code changes what it writes (same recipe, different image),
 * so that old cached images are not mistaken for new ones.
 */
export const ASSEMBLY_VERSION = 2;

/** Loads and validates recipe.json beside this file (or another path, for tests). */
export function loadRecipe(path: string | URL = new URL('./recipe.json', import.meta.url)): DebianRecipe {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw debianErrors.make('GUEST_DEBIAN_BAD_RECIPE', `recipe ${String(path)}: ${(cause as Error).message}`, { cause });
  }
  const r = RecipeSchema.safeParse(raw);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw debianErrors.make('GUEST_DEBIAN_BAD_RECIPE', `recipe ${String(path)}: ${why}`);
  }
  return Object.freeze(r.data);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** What debootstrap is asked for; the rootfs cache is keyed by exactly this. */
export function rootfsInputs(r: DebianRecipe): Record<string, unknown> {
  return { suite: r.suite, variant: r.variant, arch: r.arch, components: [...r.components].sort(), include: [...r.include].sort() };
}

/** Cache key (16 hex) of the debootstrap stage. The mirror is left out: any mirror serves the same suite. */
export function rootfsKey(r: DebianRecipe): string {
  return sha256(canonicalJson(rootfsInputs(r))).slice(0, 16);
}

/** Cache key (16 hex) of a set of unpacked boot-loader packages (GRUB for one firmware, or the signed Secure Boot chain). */
export function grubKey(r: DebianRecipe, firmware: DebianFirmware | 'secure-boot'): string {
  const packages = firmware === 'secure-boot' ? r.secureBootPackages : r.grubPackages[firmware];
  return sha256(canonicalJson({ suite: r.suite, arch: r.arch, packages: [...packages].sort() })).slice(0, 16);
}

/**
 * The content address of a finished image: every input of the build, hashed. The Secure
 * Boot package list counts only for the Secure Boot variant, so the plain images keep the
 * key they had before the variant existed.
 */
export function imageKey(r: DebianRecipe, firmware: DebianFirmware, o: { secureBoot?: boolean } = {}): string {
  const recipe = { ...r, defaultMirror: undefined, secureBootPackages: undefined };
  const secureBoot = o.secureBoot === true ? { packages: [...r.secureBootPackages].sort() } : undefined;
  return sha256(canonicalJson({ assembly: ASSEMBLY_VERSION, firmware, recipe, secureBoot })).slice(0, 16);
}

/** A UUID derived from the image key, so a given recipe always gives the same filesystem ids. */
export function derivedUuid(key: string, label: string): string {
  const h = sha256(`${key}:${label}`);
  // RFC 9562 §5.8 layout: version nibble 8 (custom), variant bits 10.
  const v = `${h.slice(0, 12)}8${h.slice(13, 16)}${((parseInt(h[16] ?? '0', 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 32)}`;
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20, 32)}`;
}

/** A FAT volume id (8 hex, upper case) derived from the image key. */
export function derivedVolumeId(key: string): string {
  return sha256(`${key}:esp-volume-id`).slice(0, 8).toUpperCase();
}
