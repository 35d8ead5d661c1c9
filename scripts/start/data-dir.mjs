// The demo's data directory. Each run starts empty, so a previous run's rounds,
// alarm and spooled reports do not show up in this one's dashboard; --keep-data
// reuses it. Only a directory this script made (it holds MARKER) is ever
// emptied: `--data-dir ~` must not delete a home directory.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MARKER = '.propwatch-demo';

/**
 * Prepares `dir`; returns `{dir}` or `{problem}` (a directory that is not the
 * demo's and not empty). `isDefault`: the default `.data/demo`, the demo's
 * even when an older npm start left it without the marker.
 */
export function prepareDataDir(dir, keepData, isDefault = false) {
  if (existsSync(dir) && !keepData) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(MARKER) && !isDefault)
      return {
        problem:
          `--data-dir ${dir} is not empty and was not made by npm start: ` +
          'name a new or empty directory, or pass --keep-data to use it as it is',
      };
    // The directory itself stays (it may be a mount point); what is in it goes.
    for (const entry of entries) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  mkdirSync(join(dir, 'logs'), { recursive: true });
  writeFileSync(join(dir, MARKER), 'made by npm start (scripts/start.mjs); emptied at each run without --keep-data\n');
  return { dir };
}
