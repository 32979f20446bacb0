// What a browser downloads on the dashboard's first load: the scripts and style sheets
// that dist/web/index.html names, raw and gzip-compressed (the budget: under
// 150 KB of compressed JavaScript and CSS).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export type AssetSize = { file: string; bytes: number; gzip: number };
/** `assets`: what index.html loads; `lazy`: the chunks loaded later (uPlot with the first chart). */
export type FirstLoad = { assets: AssetSize[]; bytes: number; gzip: number; lazy: AssetSize[]; allGzip: number };

/** The budget for the first load's compressed JavaScript and CSS, in bytes. */
export const FIRST_LOAD_BUDGET = 150 * 1024;

/** Sizes of the JS and CSS that `<dir>/index.html` loads (dir is the build output, dist/web). */
export function firstLoadSize(dir: string): FirstLoad {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!.replace(/^\.?\//, ''));
  if (refs.length === 0) throw new Error(`${join(dir, 'index.html')} names no script or style sheet: is it the built page?`);
  const sizeOf = (file: string): AssetSize => {
    const bytes = readFileSync(join(dir, file));
    return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  };
  const assets = refs.map(sizeOf);
  const lazy = readdirSync(join(dir, 'assets'))
    .map((f) => `assets/${f}`)
    .filter((f) => /\.(js|css)$/.test(f) && !refs.includes(f))
    .map(sizeOf);
  const gzip = assets.reduce((a, x) => a + x.gzip, 0);
  return { assets, bytes: assets.reduce((a, x) => a + x.bytes, 0), gzip, lazy, allGzip: gzip + lazy.reduce((a, x) => a + x.gzip, 0) };
}
