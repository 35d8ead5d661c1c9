/**
 * One `GET /api/v1/status`. Every way it can go wrong (timeout, refused
 * connection, HTTP error, a body over 1 MiB, bad JSON, a body that is not a Status) is returned
 * as a failure with a reason, never thrown. `failover` marks the failures
 * another aggregator URL may not have: no answer, or a 5xx.
 */
import { errorMessageOf, readBoundedText } from '@propwatch/shared';
import { type FetchResult, readStatusBody } from './status-body.js';

export type { FetchResult } from './status-body.js';

export interface StatusFetcherOptions {
  /** Aggregator base URL; a path prefix (reverse proxy) is kept. */
  url: string;
  readToken?: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** A status body is a few hundred bytes; 1 MiB leaves room for anything a newer aggregator adds. */
export const MAX_BODY_BYTES = 1 << 20;

export function statusUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v1/status`;
}

export function createStatusFetcher(options: StatusFetcherOptions): () => Promise<FetchResult> {
  const doFetch = options.fetch ?? fetch;
  const url = statusUrl(options.url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.readToken) headers.authorization = `Bearer ${options.readToken}`;
  return async () => {
    let response: Response;
    let text: string;
    try {
      // One signal covers connect, headers and body: a server that sends headers and then stalls still times out.
      const signal = AbortSignal.timeout(options.timeoutMs);
      response = await doFetch(url, { headers, signal });
      const body = await readBoundedText(response, MAX_BODY_BYTES);
      if (body.truncated) return { ok: false, reason: `the answer from ${url} is longer than ${MAX_BODY_BYTES} bytes` };
      text = body.text;
    } catch (error) {
      const reason = `no answer from ${url}: ${describeFetchError(error, options.timeoutMs)}`;
      return { ok: false, reason, failover: true };
    }
    if (!response.ok) {
      // The aggregator says why ("wrong read token"); a proxy's error page says nothing worth repeating.
      const why = errorMessageOf(text);
      const hint = response.status === 401 || response.status === 403 ? ' (check aggregator.readToken)' : '';
      const reason = `HTTP ${response.status} from ${url}${why ? `: ${why}` : ''}${hint}`;
      // A 5xx is this replica's trouble (another may answer); a 4xx is ours (the token) and the same everywhere.
      return { ok: false, reason, failover: response.status >= 500 };
    }
    return readStatusBody(text, url);
  };
}

/**
 * Why a request got no answer, as the daemon's log and `--once` both print it:
 * the system error (ECONNREFUSED, ENOTFOUND, …) with its message, or what
 * fetch itself refused ("bad port": the fetch standard blocks ports such as 9).
 */
export function describeFetchError(error: unknown, timeoutMs: number): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code) return `${code}: ${cause.message}`;
    if (cause.message === 'bad port')
      return 'bad port: fetch refuses this port (a "bad port" of the fetch standard); use another port';
    return `${error.message}: ${cause.message}`;
  }
  return error.message;
}
