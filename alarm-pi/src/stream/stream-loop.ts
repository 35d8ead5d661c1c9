/**
 * Keeps a status stream open: connects to the current aggregator URL, and
 * after every end reconnects with exponential backoff and full jitter,
 * never sooner than the server's `retry:` (or a 503's Retry-After) asks. A
 * failure another replica may not share moves the shared endpoint list on.
 * It reports `up` on the first status of a connection and `down` when a
 * connection ends, so the client knows when to poll instead.
 */
import { backoffDelayMs, type Clock, type EndpointList, type Status } from '@propwatch/shared';
import type { SseLimits } from './sse-parser.js';
import { runStreamConnection, type StreamEnd } from './stream-connection.js';

export interface StreamLoopOptions {
  endpoints: EndpointList;
  readToken?: string | undefined;
  timeoutMs: number;
  silenceMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  limits?: SseLimits;
  fetch?: typeof fetch;
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
  random?: () => number;
}

export interface StreamEvents {
  /** A checked status arrived; `first` on the first one of a connection. */
  status(status: Status, first: boolean): void;
  heartbeat(): void;
  /** A connection ended (or never opened); the next attempt is in `retryInMs`. */
  down(end: StreamEnd, retryInMs: number): void;
}

export class StreamLoop {
  private readonly stopper = new AbortController();
  private failures = 0;
  private retryMs = 0;
  private lastEventId: string | undefined;
  private timer: unknown;
  private running: Promise<void> | undefined;

  constructor(
    private readonly options: StreamLoopOptions,
    private readonly events: StreamEvents,
  ) {}

  start(): void {
    this.running ??= this.connect();
  }

  /** Ends the connection and stops reconnecting; resolves when the connection is closed. */
  async stop(): Promise<void> {
    this.stopper.abort();
    if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async connect(): Promise<void> {
    const { options } = this;
    const { url } = options.endpoints.pick();
    let first = true;
    const end = await runStreamConnection(
      {
        url,
        readToken: options.readToken,
        timeoutMs: options.timeoutMs,
        silenceMs: options.silenceMs,
        lastEventId: this.lastEventId,
        ...(options.limits ? { limits: options.limits } : {}),
        ...(options.fetch ? { fetch: options.fetch } : {}),
        clock: options.clock,
        signal: this.stopper.signal,
      },
      {
        onStatus: (status) => {
          this.events.status(status, first);
          first = false;
        },
        onHeartbeat: () => this.events.heartbeat(),
        onRetry: (ms) => void (this.retryMs = Math.min(ms, options.backoffMaxMs)),
      },
    );
    this.running = undefined;
    if (this.stopper.signal.aborted) return;
    // Sent back as a header: only an id that is a short token (the aggregator's are `<bootId>-<seq>`) is kept, so a
    // hostile id (1 MiB, a line break, non-ASCII) can neither be echoed nor make every reconnect fail at fetch.
    this.lastEventId =
      end.lastEventId !== undefined && /^[\x21-\x7e]{1,256}$/.test(end.lastEventId) ? end.lastEventId : undefined;
    // A connection that delivered was a success: the next failure starts the backoff again.
    this.failures = end.delivered ? 1 : this.failures + 1;
    // The poller may have moved the list on already: a URL is given up once, not twice.
    if (end.delivered) options.endpoints.succeeded();
    if (end.failover && options.endpoints.currentUrl === url) options.endpoints.failed(end.reason);
    const floor = Math.min(Math.max(this.retryMs, end.retryAfterMs ?? 0), options.backoffMaxMs);
    const delay = Math.max(
      floor,
      backoffDelayMs(this.failures, options.backoffBaseMs, options.backoffMaxMs, options.random),
    );
    this.events.down(end, delay);
    this.timer = options.clock.setTimeout(() => {
      this.timer = undefined;
      this.running ??= this.connect();
    }, delay);
  }
}
