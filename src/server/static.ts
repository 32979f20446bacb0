import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Context } from 'hono';
import { readGuarded } from '../core/index.ts';

// The dashboard's files (dist/web/, built by `npm run build`), served without a token: they
// hold no data; the page asks for a token and sends it with every API call. A path is served
// only when every segment is a plain name (no '..', no dot-files), so nothing outside the
// folder is reachable. An unknown path that is not a file gets index.html (client routes).

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8', '.webmanifest': 'application/manifest+json',
};
const SAFE = /^(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127})*\/?$/;
const MAX_BYTES = 16 << 20;

const NO_BUILD = `<!doctype html><html lang="en"><meta charset="utf-8"><title>bootmedic</title>
<body><h1>bootmedic</h1><p>The dashboard is not built. Run <code>npm run build</code> and reload this page.</p>
<p>The API is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (it needs a token: <code>bootmedic token create --role viewer</code>).</p></body></html>\n`;

/** A handler that serves the dashboard from `root` (or the "run npm run build" page). */
export function staticHandler(root: string | undefined) {
  const hasBuild = () => root !== undefined && existsSync(join(root, 'index.html'));
  const file = (c: Context, path: string, cache: string) => {
    const body = readGuarded(path, { what: 'dashboard file', maxBytes: MAX_BYTES });
    return c.body(new Uint8Array(body), 200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': cache });
  };
  return (c: Context): Response | undefined => {
    const p = c.req.path;
    if (!SAFE.test(p)) return undefined;
    if (!hasBuild()) return p === '/' || p === '/index.html' ? c.html(NO_BUILD) : undefined;
    const candidate = join(root!, p === '/' ? 'index.html' : p);
    if (p !== '/' && existsSync(candidate) && extname(candidate) !== '') {
      // Vite puts a content hash in asset names: they never change.
      return file(c, candidate, p.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    }
    return extname(p) === '' ? file(c, join(root!, 'index.html'), 'no-cache') : undefined;
  };
}
