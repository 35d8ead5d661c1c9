/**
 * A minimal Cloudflare v4 client: one request at a time, the
 * `{success, errors, messages, result}` envelope unwrapped, bounded retries on
 * 429 (honouring Retry-After) and 5xx/network errors. Errors carry
 * Cloudflare's numeric codes so an operator can look them up.
 */
import { performance } from 'node:perf_hooks';
import { backoffDelayMs, systemClock } from '@propwatch/shared';
import { createRequestSignal } from '../../request-signal.js';

export interface CloudflareError {
  code: number;
  message: string;
}

export type ApiOutcome<T> =
  | { ok: true; result: T; status: number; sentAt: number; receivedAt: number }
  | {
      ok: false;
      status: number;
      errors: CloudflareError[];
      message: string;
      retryable: boolean;
      sentAt: number;
      receivedAt: number;
    };

export interface ApiClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  maxRetries: number;
  maxRetryAfterMs: number;
  fetch?: typeof fetch;
  /** Waits between retries; injected so tests do not sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export class CloudflareApiClient {
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: ApiClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    // systemClock.sleep removes its abort listener when it resolves; the caller's signal may live as long as the process.
    this.sleep = options.sleep ?? systemClock.sleep;
    this.random = options.random ?? Math.random;
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<ApiOutcome<T>> {
    let attempt = 0;
    for (;;) {
      const outcome = await this.once<T>(method, path, body, signal);
      if (outcome.ok || !outcome.retryable || attempt >= this.options.maxRetries || signal?.aborted) return outcome;
      const waitMs = this.retryDelay(outcome, attempt);
      if (waitMs === undefined) return outcome;
      attempt += 1;
      await this.sleep(waitMs, signal);
    }
  }

  private retryDelay(
    outcome: Extract<ApiOutcome<unknown>, { ok: false }> & { retryAfterMs?: number },
    attempt: number,
  ): number | undefined {
    if (outcome.retryAfterMs !== undefined)
      return outcome.retryAfterMs > this.options.maxRetryAfterMs ? undefined : outcome.retryAfterMs;
    // Full jitter (AWS architecture blog): spreads retries of many probes.
    return backoffDelayMs(attempt + 1, 250, 10_000, this.random);
  }

  private async once<T>(
    method: string,
    path: string,
    body: unknown,
    signal?: AbortSignal,
  ): Promise<ApiOutcome<T> & { retryAfterMs?: number }> {
    const request = createRequestSignal(this.options.timeoutMs, signal);
    const sentAt = performance.now();
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.options.baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: request.signal,
      });
      text = await response.text().catch(() => '');
    } catch (error) {
      const receivedAt = performance.now();
      const reason = request.timedOut ? `no answer within ${this.options.timeoutMs} ms` : (error as Error).message;
      return {
        ok: false,
        status: 0,
        errors: [],
        message: `${method} ${path}: ${reason}`,
        retryable: !signal?.aborted,
        sentAt,
        receivedAt,
      };
    } finally {
      request.dispose();
    }
    const receivedAt = performance.now();
    const envelope = parseEnvelope(text);
    if (response.ok && envelope?.success === true)
      return { ok: true, result: envelope.result as T, status: response.status, sentAt, receivedAt };
    const errors = envelope?.errors ?? [];
    const retryable = response.status === 429 || response.status >= 500;
    const retryAfterMs = response.status === 429 ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
    const detail = errors.length
      ? errors.map((e) => `${e.code} ${e.message}`).join('; ')
      : envelope
        ? 'no error detail'
        : `non-JSON body ${JSON.stringify(text.slice(0, 80))}`;
    return {
      ok: false,
      status: response.status,
      errors,
      message: `${method} ${path}: HTTP ${response.status}: ${detail}`,
      retryable,
      sentAt,
      receivedAt,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
}

function parseEnvelope(text: string): { success: boolean; errors: CloudflareError[]; result: unknown } | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    if (typeof value !== 'object' || value === null || typeof value.success !== 'boolean') return undefined;
    const errors = Array.isArray(value.errors)
      ? value.errors
          .filter(
            (e): e is CloudflareError =>
              typeof e === 'object' && e !== null && typeof (e as CloudflareError).code === 'number',
          )
          .map((e) => ({ code: e.code, message: String(e.message) }))
      : [];
    return { success: value.success, errors, result: value.result };
  } catch {
    return undefined;
  }
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return 1000;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - nowMs);
}
