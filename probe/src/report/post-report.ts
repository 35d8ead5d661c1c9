/**
 * One delivery attempt of one spooled report to one aggregator URL, and what
 * its outcome means for the sender. Only the failures that are the URL's
 * (no connection, reset, timeout, 5xx, a redirect) let the sender fail over to
 * the next replica; everything the aggregator says about the report itself
 * (4xx) would be said alike by every replica, so it is handled as before:
 * 401/403/408/429 retried after a backoff, other 4xx refused for good.
 * What is read from any answer is bounded: the body to MAX_ANSWER_BYTES, a
 * Location to a masked, cut line. Redirects are not followed: a replica that
 * redirects is misconfigured (http:// for https://), and following one would
 * carry the report (and, same-origin, the token) where the operator did not
 * point it.
 */
import { errorMessageOf, maskUrl, readBoundedText } from '@propwatch/shared';
import { createRequestSignal } from '../request-signal.js';

/** Bytes read of an aggregator's answer; its acknowledgements and error bodies are well under 1 KiB. */
export const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_REASON_TEXT = 500;

/** The aggregator's error body `{code, message}`, cut to a log-friendly length. */
export interface Refusal {
  code?: string;
  message?: string;
}

export type PostOutcome =
  | { kind: 'delivered'; status: number; answer: string }
  /** The URL failed (not the report): the next replica may take it at once. */
  | { kind: 'endpoint_failed'; reason: string; retryAfterMs?: number }
  /** The aggregator wants the same report later (throttled, token being rotated): back off, same URL. */
  | { kind: 'retry'; reason: string; level: 'warn' | 'error'; retryAfterMs?: number }
  /** The aggregator will never accept this report. */
  | { kind: 'refused'; status: number; refusal: Refusal };

export interface PostRequest {
  url: string;
  token: string;
  body: string;
  timeoutMs: number;
  /** Longest Retry-After honoured. */
  backoffMaxMs: number;
  /** The probe's shutdown: aborts the request in flight. */
  stop: AbortSignal;
}

export async function postReport(fetcher: typeof fetch, request: PostRequest): Promise<PostOutcome> {
  const signal = createRequestSignal(request.timeoutMs, request.stop);
  let response: Response;
  let answer: string;
  try {
    response = await fetcher(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${request.token}` },
      body: request.body,
      redirect: 'manual',
      signal: signal.signal,
    });
    // Under the same timeout as the request: a body dripped a byte a second ends with it.
    answer = (await readBoundedText(response, MAX_ANSWER_BYTES).catch(() => ({ text: '' }))).text;
  } catch (error) {
    const why = signal.timedOut ? `no answer within ${request.timeoutMs} ms` : describeFetchError(error);
    return { kind: 'endpoint_failed', reason: `aggregator unreachable: ${why}` };
  } finally {
    signal.dispose();
  }
  const { status } = response;
  if (response.ok) return { kind: 'delivered', status, answer };
  const retryAfterMs = retryAfterOf(response, request.backoffMaxMs);
  const after = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (status >= 500)
    return { kind: 'endpoint_failed', reason: `aggregator answered HTTP ${status}${reasonIn(answer)}`, ...after };
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    const target = location === null ? 'nowhere (no Location)' : maskUrl(location);
    return {
      kind: 'endpoint_failed',
      reason: `aggregator answered HTTP ${status} redirect to ${target} (not followed: set the URL to where it points)`,
    };
  }
  if (status === 429 || status === 401 || status === 403 || status === 408) {
    const level = status === 401 || status === 403 ? 'error' : 'warn';
    return { kind: 'retry', reason: `aggregator answered HTTP ${status}${reasonIn(answer)}`, level, ...after };
  }
  return { kind: 'refused', status, refusal: parseRefusal(answer) };
}

function retryAfterOf(response: Response, maxMs: number): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, maxMs) : undefined;
}

/** undici says only "fetch failed"; the cause names the socket error (connect ECONNREFUSED 127.0.0.1:1). */
function describeFetchError(error: unknown): string {
  const err = error as Error & { cause?: { message?: unknown } };
  const cause = typeof err.cause?.message === 'string' ? err.cause.message : undefined;
  return (cause ?? err.message).slice(0, MAX_REASON_TEXT);
}

/** ": <the aggregator's message>" from an error answer, or nothing when the body is not one (a proxy's page). */
function reasonIn(answer: string): string {
  const message = errorMessageOf(answer);
  return message === undefined ? '' : `: ${message}`;
}

function parseRefusal(answer: string): Refusal {
  let body: unknown;
  try {
    body = JSON.parse(answer);
  } catch {
    return {};
  }
  if (typeof body !== 'object' || body === null) return {};
  const { code, message } = body as Record<string, unknown>;
  return {
    ...(typeof code === 'string' ? { code: code.slice(0, 64) } : {}),
    ...(typeof message === 'string' ? { message: message.slice(0, MAX_REASON_TEXT) } : {}),
  };
}
