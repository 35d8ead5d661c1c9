/** The `window` query parameter of the read routes: a duration from 1 s up to the storage retention. */
import Type from 'typebox';
import { badQuery } from '../http/error-catalogue.js';
import { parseDuration } from './parse-duration.js';

const MIN_WINDOW_MS = 1_000;

export const WindowParameter = (fallback: string) =>
  Type.String({
    maxLength: 32,
    description: `milliseconds, or 90s / 10m / 6h / 7d, up to the retention; default ${fallback}`,
  });

/** The window in ms; a 400 naming query.window, its bounds and the value when it is none. */
export function parseWindow(raw: string | undefined, fallbackMs: number, retentionDays: number): number {
  const windowMs = raw === undefined ? fallbackMs : parseDuration(raw);
  if (windowMs === null || windowMs < MIN_WINDOW_MS || windowMs > retentionDays * 86_400_000) {
    throw badQuery(
      `query.window: expected a duration from 1s to the retention (${retentionDays} d), ` +
        `e.g. 600000, 90s, 10m, 6h, 7d (got ${JSON.stringify(raw)})`,
    );
  }
  return windowMs;
}
