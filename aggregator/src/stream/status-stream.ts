/**
 * The status stream as a whole: numbered events from the tracker's evaluations (status-events.ts) written to
 * every subscriber (sse-broadcaster.ts). The stream plugin builds one per app; the route adds subscribers.
 */
import fastJson from 'fast-json-stringify';
import { Status } from '@propwatch/shared';
import { SseBroadcaster, type SseSink } from './sse-broadcaster.js';
import { eventFrame, retryFrame } from './sse-frames.js';
import { StatusEvents } from './status-events.js';
import type { StreamMetrics } from './stream-metrics.js';

/** Changes closer together than this leave as one event (the latest body): at most 20 events/s per stream. */
export const COALESCE_MS = 50;

export interface StatusStreamOptions {
  initial: Status;
  maxSubscribers: number;
  maxBufferedBytes: number;
  heartbeatMs: number;
  retryMs: number;
  now: () => number;
  metrics: StreamMetrics;
}

export class StatusStream {
  readonly events: StatusEvents;
  readonly #broadcaster: SseBroadcaster;

  constructor(private readonly options: StatusStreamOptions) {
    // The same serializer fastify uses for GET /api/v1/status (fast-json-stringify over the same schema), so an
    // event's data is byte for byte the body a poll returns.
    const serialize = fastJson(Status as object) as (status: Status) => string;
    this.events = new StatusEvents({ initial: options.initial, serialize, coalesceMs: COALESCE_MS });
    this.#broadcaster = new SseBroadcaster({
      maxSubscribers: options.maxSubscribers,
      maxBufferedBytes: options.maxBufferedBytes,
      heartbeatMs: options.heartbeatMs,
      now: options.now,
      onDrop: (reason) => options.metrics.dropped.inc({ reason }),
    });
    this.events.onEvent((event) => {
      options.metrics.events.inc();
      if (this.#broadcaster.size > 0) this.#broadcaster.send(eventFrame(event.id, 'status', event.data));
    });
  }

  get subscribers(): number {
    return this.#broadcaster.size;
  }

  get full(): boolean {
    return this.#broadcaster.full;
  }

  /** Whether one more subscriber fits; a refusal is counted (propwatch_sse_dropped_total{reason="limit"}). */
  admits(): boolean {
    if (!this.#broadcaster.full) return true;
    this.options.metrics.dropped.inc({ reason: 'limit' });
    return false;
  }

  /**
   * Starts a subscriber with the retry line and the current status (sent whatever Last-Event-ID the client
   * holds: one small event, and no race between its last event and this one); false (nothing written) when full.
   */
  subscribe(sink: SseSink): boolean {
    const current = this.events.current;
    const first = retryFrame(this.options.retryMs) + eventFrame(current.id, 'status', current.data);
    return this.#broadcaster.add(sink, first);
  }

  unsubscribe(sink: SseSink): void {
    this.#broadcaster.remove(sink);
  }

  /** Ends every stream and stops emitting: the aggregator is closing. */
  close(): void {
    this.events.close();
    this.#broadcaster.close();
  }
}
