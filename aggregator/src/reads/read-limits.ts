/**
 * The bounds every read route keeps (besides config limits.readRows): how
 * long a window may be served from raw rows, how many raw POP results one
 * read may load, and how a rollup read is cut. Chosen so that one slice of
 * work (a statement plus its processing) stays well under a millisecond on
 * the reference machine; see bench/README.md, "/api/v1/status under heavy reads".
 */
import type { RollupLimits } from '../rollup/rollup-plan.js';

/** Windows up to this long are read from raw rounds (exact percentiles, running rounds included). */
export const RAW_WINDOW_MAX_MS = 3_600_000;
/** Raw POP results one read may load; past it the read is served from the rollups instead (or cut, for lists). */
export const MAX_RAW_RESULTS = 10_000;
/** Raw POP results loaded (and serialized) per slice. */
export const RAW_RESULTS_PER_SLICE = 150;

export function rollupLimits(readRows: number): RollupLimits {
  return { maxRows: readRows, maxPoints: 400, maxCells: 10_000, rowsPerSlice: 250 };
}
