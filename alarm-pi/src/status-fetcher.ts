/**
 * One `GET /api/v1/status`. Every way it can go wrong (timeout, refused
 * connection, HTTP error, bad JSON, a body that is not a Status) is returned
 * as a failure with a reason, never thrown.
 */
import { Status } from '@propwatch/shared';
import { Compile } from 'typebox/compile';

export type FetchResult = { ok: true; status: Status } | { ok: false; reason: string };

export interface StatusFetcherOptions {
  /** Aggregator base URL; a path prefix (reverse proxy) is kept. */
  url: string;
  readToken?: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
}

const statusValidator = Compile(Status);

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
      return { ok: false, reason: describeFetchError(error, options.timeoutMs) };
    }
    if (!response.ok) {
      const hint = response.status === 401 || response.status === 403 ? ' (check aggregator.readToken)' : '';
      return { ok: false, reason: `HTTP ${response.status} from ${url}${hint}` };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, reason: `invalid JSON from ${url}: ${JSON.stringify(text.slice(0, 60))}` };
    }
    const firstError = statusValidator.Errors(body)[0];
    if (firstError) {
      return {
        ok: false,
        reason: `body is not a Status: ${firstError.instancePath || '(root)'} ${firstError.message}`,
      };
    }
    return { ok: true, status: body as Status };
  };
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  const cause = err?.cause;
  if (cause?.code) return `${cause.code}: ${cause.message ?? err.message}`;
  return err?.message ?? String(error);
}
