/**
 * The Cloudflare client runs on the probe's process-lifetime shutdown signal:
 * neither its retry sleeps nor its per-request timeouts may leave anything
 * behind on that signal.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CloudflareApiClient } from '../src/writers/cloudflare/api-client.js';

/** Node 20 keeps every AbortSignal.any() result registered on its sources (nodejs/node#55351); this counts them. */
function dependantSignals(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  return key ? ((signal as unknown as Record<symbol, Set<unknown> | undefined>)[key]?.size ?? 0) : 0;
}

const ok = () =>
  new Response(JSON.stringify({ success: true, errors: [], messages: [], result: { id: 'r1' } }), { status: 200 });
const overloaded = () =>
  new Response(
    JSON.stringify({ success: false, errors: [{ code: 10000, message: 'busy' }], messages: [], result: null }),
    { status: 503 },
  );

describe('CloudflareApiClient signals', () => {
  it("leaves no listener and no dependant signal on the caller's signal after retries", async () => {
    const lifetime = new AbortController();
    let calls = 0;
    // Every other request fails, so each request() sleeps once (3 ms with this random) before retrying.
    const fetch = async () => (++calls % 2 === 1 ? overloaded() : ok());
    const client = new CloudflareApiClient({
      baseUrl: 'http://cloudflare.invalid/client/v4',
      token: 't',
      timeoutMs: 1000,
      maxRetries: 3,
      maxRetryAfterMs: 1000,
      fetch,
      random: () => 0.01,
    });
    for (let i = 0; i < 10; i++)
      expect((await client.request('GET', '/zones', undefined, lifetime.signal)).ok).toBe(true);
    expect(calls).toBe(20);
    expect(getEventListeners(lifetime.signal, 'abort')).toHaveLength(0);
    expect(dependantSignals(lifetime.signal)).toBe(0);
  });

  it("still aborts the request in flight when the caller's signal fires, and times out a silent API", async () => {
    const lifetime = new AbortController();
    const hang = (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) =>
        init!.signal!.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    const client = new CloudflareApiClient({
      baseUrl: 'http://cloudflare.invalid/client/v4',
      token: 't',
      timeoutMs: 30,
      maxRetries: 0,
      maxRetryAfterMs: 1000,
      fetch: hang,
    });
    const timedOut = await client.request('GET', '/zones', undefined, lifetime.signal);
    expect(timedOut).toMatchObject({ ok: false, message: 'GET /zones: no answer within 30 ms', retryable: true });
    const pending = client.request('GET', '/zones', undefined, lifetime.signal);
    lifetime.abort();
    expect(await pending).toMatchObject({ ok: false, message: 'GET /zones: aborted', retryable: false });
    expect(getEventListeners(lifetime.signal, 'abort')).toHaveLength(0);
  });
});
