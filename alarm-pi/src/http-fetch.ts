/**
 * The part of `fetch` the beacon daemon uses (a GET with headers and a signal; status, headers, text, body),
 * on node:http. Why: Node's global `fetch` is undici, loaded on first use with its WebAssembly HTTP parser,
 * and on the daemon that alone costs ~20 MiB of resident memory (bench/README.md, footprint), more than
 * everything else the client holds. node:http parses HTTP natively, in memory the process already has.
 *
 * Errors are shaped as fetch shapes them, so the callers' reasons stay the same: an abort rejects with the
 * signal's reason (a `TimeoutError` from `AbortSignal.timeout`), a network failure with
 * `TypeError('fetch failed', { cause })` whose cause carries the system code (ECONNREFUSED, …). Redirects are
 * followed as fetch follows them (at most 20; the authorization header is dropped when the origin changes).
 * Unlike fetch it does not refuse the fetch standard's "bad ports", and it asks for no compression.
 */
import type { IncomingMessage, RequestOptions } from 'node:http';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';

// node:http(s) through require, not an ES import: from Node 22 on, the ES module facade of node:http reads every
// export, its lazy `WebSocket` getter included, which loads undici — and under the bundle's --lite-mode (no
// WebAssembly) that throws "WebAssembly is not defined" (found by the image suite on Node 22).
const require = createRequire(import.meta.url);
const httpRequest = (require('node:http') as typeof import('node:http')).request;

/** What the daemon passes: a URL, request headers, an abort signal. */
export interface HttpFetchInit {
  headers?: Record<string, string>;
  signal?: AbortSignal | null;
}

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A GET over node:http(s) answering with the subset of `Response` the status fetcher and the stream read. */
export async function httpFetch(input: string | URL, init: HttpFetchInit = {}): Promise<Response> {
  let url = new URL(input);
  let headers = { ...init.headers };
  for (let redirects = 0; ; redirects++) {
    const message = await get(url, headers, init.signal ?? undefined);
    const location = message.headers.location;
    if (!REDIRECTS.has(message.statusCode ?? 0) || location === undefined)
      return toResponse(message, url, init.signal ?? undefined);
    message.resume();
    if (redirects === MAX_REDIRECTS)
      throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
    const next = new URL(location, url);
    if (next.origin !== url.origin) headers = withoutAuthorization(headers);
    url = next;
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
}

async function get(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined) {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) });
  // TLS only when asked for: node:https loads node:tls, which a plain-HTTP beacon never needs.
  const request =
    url.protocol === 'https:' ? (require('node:https') as typeof import('node:https')).request : httpRequest;
  signal?.throwIfAborted();
  const options: RequestOptions = { method: 'GET', headers, ...(signal ? { signal } : {}) };
  return new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = request(url, options, resolve);
    outgoing.on('error', (error) => reject(failure(error, signal)));
    outgoing.end();
  });
}

/** As fetch fails: with the signal's reason (a TimeoutError, an AbortError) if it fired, else "fetch failed". */
function failure(error: unknown, signal: AbortSignal | undefined): Error {
  return signal?.aborted ? (signal.reason as Error) : new TypeError('fetch failed', { cause: error });
}

function toResponse(message: IncomingMessage, url: URL, signal: AbortSignal | undefined): Response {
  const status = message.statusCode ?? 0;
  // A body cut by the signal fails with the signal's reason (a TimeoutError), as fetch's body does, whether it is
  // read by text() or through the web stream (readBoundedText): node:http alone would say "aborted".
  if (signal) {
    const cut = () => message.destroy(signal.reason as Error);
    signal.addEventListener('abort', cut, { once: true });
    message.once('close', () => signal.removeEventListener('abort', cut));
  }
  let body: ReadableStream<Uint8Array> | undefined;
  const response = {
    ok: status >= 200 && status < 300,
    status,
    statusText: message.statusMessage ?? '',
    url: url.href,
    redirected: false,
    headers: {
      get(name: string): string | null {
        const value = message.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    // Made on first use: the web stream adapters load only for the event stream, not for a poll.
    get body(): ReadableStream<Uint8Array> {
      body ??= Readable.toWeb(message) as ReadableStream<Uint8Array>;
      return body;
    },
    async text(): Promise<string> {
      message.setEncoding('utf8');
      let text = '';
      try {
        for await (const chunk of message) text += chunk as string;
      } catch (error) {
        // A body cut by the signal (a server that stalls after its headers) fails as fetch fails: with the reason.
        throw failure(error, signal);
      }
      return text;
    },
    async json(): Promise<unknown> {
      return JSON.parse(await response.text());
    },
  };
  return response as unknown as Response;
}
