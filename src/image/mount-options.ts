import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { imageErrors } from './errors.ts';

const Schema = z.object({ $comment: z.string().optional(), generic: z.array(z.string()), ext4: z.array(z.string()), vfat: z.array(z.string()) }).strict();
type Known = z.infer<typeof Schema>;

let known: Known | undefined;

function load(): Known {
  if (known !== undefined) return known;
  const url = new URL('./mount-options.json', import.meta.url);
  try {
    known = Schema.parse(JSON.parse(readFileSync(url, 'utf8')));
  } catch (cause) {
    throw imageErrors.make('IMAGE_REPAIR_FAILED', `mount option list ${url.pathname} is invalid: ${(cause as Error).message}`, { cause, fix: 'Fix src/image/mount-options.json.' });
  }
  return known;
}

function accepts(list: readonly string[], opt: string): boolean {
  const [key, value] = opt.includes('=') ? [opt.slice(0, opt.indexOf('=') + 1), opt.slice(opt.indexOf('=') + 1)] : [opt, undefined];
  return list.some((k) => (k.endsWith('.') || k.endsWith('-') ? opt.startsWith(k) : value === undefined ? k === key : k === key && value !== ''));
}

/** The options of an fstab line that ext4 or vfat (plus mount(8)) would reject; [] for other types. */
export function unknownMountOptions(type: string, options: readonly string[]): string[] {
  const k = load();
  const specific = type === 'ext4' ? k.ext4 : type === 'vfat' ? k.vfat : undefined;
  if (specific === undefined) return [];
  return options.filter((o) => o !== '' && !accepts(k.generic, o) && !accepts(specific, o));
}
