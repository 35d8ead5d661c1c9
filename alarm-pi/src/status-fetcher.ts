/**
 * One `GET /api/v1/status`. Every way it can go wrong (timeout, refused
 * connection, HTTP error, bad JSON, a body that is not a Status) is returned
 * as a failure with a reason, never thrown.
 */
import { Status, describeSchemaErrors, errorMessageOf } from '@propwatch/shared';
import Type from 'typebox';
import { Compile } from 'typebox/compile';

export type FetchResult = { ok: true; status: Status } | { ok: false; reason: string };

export interface StatusFetcherOptions {
  /** Aggregator base URL; a path prefix (reverse proxy) is kept. */
  url: string;
  readToken?: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * The Status as this client reads it: every field it knows is checked as strictly as the aggregator writes it,
 * but a field added later at the top level (as `coverage` was) is ignored, not refused, so an aggregator can be
 * upgraded before the beacons that follow it (a Pi is the last thing anyone upgrades).
 */
const ReadableStatus = Type.Object(Status.properties);
const statusValidator = Compile(ReadableStatus);

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
      text = await response.text();
    } catch (error) {
      return { ok: false, reason: `no answer from ${url}: ${describeFetchError(error, options.timeoutMs)}` };
    }
    if (!response.ok) {
      // The aggregator says why ("wrong read token"); a proxy's error page says nothing worth repeating.
      const why = errorMessageOf(text);
      const hint = response.status === 401 || response.status === 403 ? ' (check aggregator.readToken)' : '';
      return { ok: false, reason: `HTTP ${response.status} from ${url}${why ? `: ${why}` : ''}${hint}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, reason: `invalid JSON from ${url}: ${JSON.stringify(text.slice(0, 60))}` };
    }
    if (!statusValidator.Check(body))
      return {
        ok: false,
        reason: `body is not a Status: ${describeSchemaErrors(ReadableStatus, body, statusValidator.Errors(body), 'body')}`,
      };
    return { ok: true, status: body };
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
