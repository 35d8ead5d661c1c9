/** The Cloudflare v4 answer envelope: `{success, errors, messages, result}` (+ `result_info` for lists). */
import type { CfError } from './cf-errors.js';

export interface ResultInfo {
  page: number;
  per_page: number;
  count: number;
  total_count: number;
  total_pages: number;
}

export interface Envelope<T> {
  success: boolean;
  errors: CfError[];
  messages: Array<{ code: number; message: string }>;
  result: T | null;
  result_info?: ResultInfo;
}

export function ok<T>(result: T, resultInfo?: ResultInfo): Envelope<T> {
  return resultInfo
    ? { success: true, errors: [], messages: [], result, result_info: resultInfo }
    : { success: true, errors: [], messages: [], result };
}

export function fail(errors: CfError[]): Envelope<null> {
  return { success: false, errors, messages: [], result: null };
}

/** Slices one page; `page`/`per_page` are clamped like Cloudflare's list endpoints do. */
export function paginate<T>(
  items: readonly T[],
  pageText: unknown,
  perPageText: unknown,
  defaultPerPage = 100,
  maxPerPage = 5000,
): { items: T[]; info: ResultInfo } {
  const perPage = clampInt(perPageText, defaultPerPage, 5, maxPerPage);
  const page = clampInt(pageText, 1, 1, Number.MAX_SAFE_INTEGER);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    items: slice,
    info: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.max(1, Math.ceil(items.length / perPage)),
    },
  };
}

function clampInt(value: unknown, fallback: number, min: number, max: number): number {
  const number =
    typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : typeof value === 'number' ? value : fallback;
  return Math.min(max, Math.max(min, Math.floor(number)));
}
