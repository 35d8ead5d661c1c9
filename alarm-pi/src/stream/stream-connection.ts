/**
 * One connection to `GET /api/v1/status/stream`, read until it ends. Each
 * `status` event's data goes through the poller's own check (readStatusBody)
 * before it reaches the light; a body that fails it, a line or event past
 * the parser's bounds, or `silenceMs` without a byte (a dead TCP connection:
 * the server sends a heartbeat comment every 15 s) drops the connection. How
 * it ended is returned as data, never thrown.
 */
import { type Clock, type Status, errorMessageOf, readBoundedText } from '@propwatch/shared';
import { readStatusBody } from '../status-body.js';
import { describeFetchError } from '../status-fetcher.js';
import { DEFAULT_SSE_LIMITS, SseParser, type SseLimits } from './sse-parser.js';

export interface StreamConnectionOptions {
  /** Aggregator base URL; a path prefix is kept. */
  url: string;
  readToken?: string | undefined;
  /** Bound on connecting and receiving the response headers. */
  timeoutMs: number;
  /** A connection silent this long (no event, no heartbeat) is taken for dead. */
  silenceMs: number;
  lastEventId?: string | undefined;
  limits?: SseLimits;
  fetch?: typeof fetch;
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  /** Aborting it ends the connection (the client stops). */
  signal: AbortSignal;
}

export interface StreamHandlers {
  /** A checked status from an event; `id` is the event's id. */
  onStatus(status: Status, id: string | undefined): void;
  /** A heartbeat comment: the connection and the aggregator are alive. */
  onHeartbeat(): void;
  /** The server's `retry:` field (reconnection delay in ms). */
  onRetry(ms: number): void;
}

export interface StreamEnd {
  reason: string;
  /** Whether another aggregator URL may do better (no answer, a 5xx). */
  failover: boolean;
  /** Whether at least one status event was received on this connection. */
  delivered: boolean;
  /** A 503's Retry-After, in ms. */
  retryAfterMs?: number;
  lastEventId: string | undefined;
}

/** Where the stream is for an aggregator base URL. */
export function streamUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v1/status/stream`;
}

const ERROR_BODY_BYTES = 16_384;

export async function runStreamConnection(options: StreamConnectionOptions, on: StreamHandlers): Promise<StreamEnd> {
  const url = streamUrl(options.url);
  const { clock } = options;
  const parser = new SseParser(options.limits ?? DEFAULT_SSE_LIMITS);
  const controller = new AbortController();
  const stop = () => controller.abort(new Error('stopped'));
  options.signal.addEventListener('abort', stop);
  let timer: unknown;
  let why = '';
  const watch = (ms: number, what: string) => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      why = what;
      controller.abort(new Error(what));
    }, ms);
  };
  let delivered = false;
  const end = (reason: string, failover: boolean, extra: Partial<StreamEnd> = {}): StreamEnd => ({
    reason: options.signal.aborted ? 'stopped' : why || reason,
    failover: why ? true : failover,
    delivered,
    lastEventId: parser.lastEventId ?? options.lastEventId,
    ...extra,
  });
  const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-store' };
  if (options.readToken) headers.authorization = `Bearer ${options.readToken}`;
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  try {
    if (options.signal.aborted) return end('stopped', false);
    watch(options.timeoutMs, `no response headers from ${url} within ${options.timeoutMs} ms`);
    let response: Response;
    try {
      response = await (options.fetch ?? fetch)(url, { headers, signal: controller.signal });
    } catch (error) {
      return end(`no answer from ${url}: ${describeFetchError(error, options.timeoutMs)}`, true);
    }
    if (!response.ok) {
      const { text } = await readBoundedText(response, ERROR_BODY_BYTES).catch(() => ({ text: '' }));
      const message = errorMessageOf(text);
      const retryAfter = /^\d{1,6}$/.test(response.headers.get('retry-after') ?? '')
        ? Number(response.headers.get('retry-after')) * 1000
        : undefined;
      return end(
        `HTTP ${response.status} from ${url}${message ? `: ${message}` : ''}`,
        response.status >= 500,
        retryAfter === undefined ? {} : { retryAfterMs: retryAfter },
      );
    }
    const type = response.headers.get('content-type') ?? '';
    if (!/^text\/event-stream\b/i.test(type) || response.body === null) {
      return end(`${url} answered ${JSON.stringify(type.slice(0, 60))}, not text/event-stream`, false);
    }
    watch(options.silenceMs, `no event or heartbeat from ${url} for ${options.silenceMs} ms`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (error) {
        return end(`stream from ${url} broke: ${describeFetchError(error, options.timeoutMs)}`, true);
      }
      if (chunk.done) return end(`${url} ended the stream`, true);
      watch(options.silenceMs, `no event or heartbeat from ${url} for ${options.silenceMs} ms`);
      for (const item of parser.push(decoder.decode(chunk.value, { stream: true }))) {
        if (item.kind === 'error') return end(`dropped the stream from ${url}: ${item.reason}`, false);
        if (item.kind === 'retry') on.onRetry(item.ms);
        else if (item.kind === 'comment') on.onHeartbeat();
        else if (item.event === 'status') {
          const result = readStatusBody(item.data, `${url} (event ${JSON.stringify(item.id ?? null)})`);
          if (!result.ok) return end(`dropped the stream from ${url}: ${result.reason}`, false);
          delivered = true;
          on.onStatus(result.status, item.id);
        }
      }
    }
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    options.signal.removeEventListener('abort', stop);
    // Closes the socket whatever state the response is in.
    controller.abort(new Error('connection closed by the client'));
  }
}
