/**
 * The dashboard's static files, read once at start into memory: the files of
 * `aggregator/public/` plus uPlot's browser build from node_modules. Only
 * names in this table are served, so a request path never reaches the file
 * system (no traversal to worry about).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** `aggregator/public/`, found from this file both in src/dashboard and dist/dashboard. */
export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** uPlot files served under /assets/vendor/, resolved through node_modules rather than copied into git. */
const VENDOR_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'] as const;

function toAsset(path: string): StaticAsset {
  const body = readFileSync(path);
  const contentType = CONTENT_TYPES[extname(path)];
  if (contentType === undefined) throw new Error(`dashboard asset ${path}: no content type for "${extname(path)}"`);
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

/**
 * Loads every servable asset, keyed by URL path (`/`, `/assets/dashboard.js`,
 * `/assets/vendor/uPlot.iife.min.js`). Throws at start, naming the file, when
 * something is missing, so a broken install fails loudly instead of serving a blank page.
 */
export function loadAssets(publicDir: string = DEFAULT_PUBLIC_DIR): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  let entries: string[];
  try {
    entries = readdirSync(publicDir);
  } catch (error) {
    throw new Error(
      `dashboard: cannot read the public directory ${publicDir} (${(error as Error).message}); it ships with the aggregator package`,
    );
  }
  for (const name of entries) {
    if (!(extname(name) in CONTENT_TYPES)) continue;
    assets.set(name === 'index.html' ? '/' : `/assets/${name}`, toAsset(join(publicDir, name)));
  }
  if (!assets.has('/')) throw new Error(`dashboard: ${join(publicDir, 'index.html')} is missing`);
  const require = createRequire(import.meta.url);
  for (const file of VENDOR_FILES) {
    let path: string;
    try {
      path = require.resolve(`uplot/dist/${file}`);
    } catch {
      throw new Error(`dashboard: uplot/dist/${file} not found; is the "uplot" dependency installed (npm install)?`);
    }
    assets.set(`/assets/vendor/${file}`, toAsset(path));
  }
  return assets;
}
