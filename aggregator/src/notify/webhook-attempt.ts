/**
 * One delivery attempt of one webhook message: a POST with the Standard Webhooks headers (the message's own
 * `webhook-id`, the attempt's `webhook-timestamp`, and with a key `webhook-signature`), a timeout, and redirects
 * never followed. Failures are data (a reason a person can act on, the URL masked), never thrown. Used by the
 * in-process queue (webhook-queue.ts) and the outbox deliverer (outbox-deliverer.ts).
 */
import { maskUrl } from './mask-url.js';
import { standardWebhookHeaders } from './standard-webhooks.js';

export interface AttemptOptions {
  timeoutMs: number;
  /** Aggregator clock (ms), for `webhook-timestamp`. */
  now: () => number;
  fetch?: typeof fetch | undefined;
}

export type AttemptResult = { ok: true } | { ok: false; reason: string };

export async function attemptDelivery(
  url: string,
  message: { id: string; body: string },
  key: Buffer | null,
  options: AttemptOptions,
): Promise<AttemptResult> {
  const post = options.fetch ?? fetch;
  try {
    const response = await post(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'propwatch-aggregator',
        // The attempt's time, so a receiver can refuse a replay; the id stays the message's.
        ...standardWebhookHeaders(message.id, Math.floor(options.now() / 1000), message.body, key),
      },
      body: message.body,
      signal: AbortSignal.timeout(options.timeoutMs),
      // Never follow: fetch would re-send a 301/302/303 as a GET (a receiver's landing page then "accepts" it)
      // and chase a loop 20 times per attempt. A redirect is the receiver's misconfiguration, shown as such.
      redirect: 'manual',
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? { ok: true } : { ok: false, reason: describeStatus(response, url) };
  } catch (error) {
    return { ok: false, reason: describeFailure(error, options.timeoutMs) };
  }
}

/** `HTTP 500`, or for a redirect where it pointed (masked: a Location may carry a secret as the URL does). */
function describeStatus(response: Response, url: string): string {
  if (response.status < 300 || response.status > 399) return `HTTP ${response.status}`;
  const location = response.headers.get('location');
  if (location === null) return `HTTP ${response.status} redirect without a Location (not followed)`;
  let target: string;
  try {
    target = maskUrl(new URL(location, url).href);
  } catch {
    target = '(invalid location)';
  }
  return `HTTP ${response.status} redirect to ${target} (not followed)`;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const err = error as Error & { cause?: { message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  // undici says only "fetch failed"; the cause names the socket error (ECONNREFUSED ...).
  return err.cause?.message ?? err.message;
}
