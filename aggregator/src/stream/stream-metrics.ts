/** The status stream's Prometheus metrics, on the app's registry (aggregator-metrics.ts). */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a subscriber left other than by closing its connection: dropped as a slow reader or at shutdown, or refused. */
export const SSE_DROP_REASONS = ['slow_reader', 'shutdown', 'limit'] as const;
export type SseDropReason = (typeof SSE_DROP_REASONS)[number];

export interface StreamMetrics {
  events: Counter;
  dropped: Counter<'reason'>;
}

/** Registers the stream metrics; `subscribers` is read at scrape time. */
export function registerStreamMetrics(registry: Registry, subscribers: () => number): StreamMetrics {
  const registers = [registry];
  new Gauge({
    name: 'propwatch_sse_subscribers',
    help: 'Open /api/v1/status/stream connections (limits.sseSubscribers at most).',
    registers,
    collect() {
      this.set(subscribers());
    },
  });
  const events = new Counter({
    name: 'propwatch_sse_events_total',
    help: 'Status events emitted on /api/v1/status/stream (one per coalesced status change, whatever the subscribers).',
    registers,
  });
  const dropped = new Counter({
    name: 'propwatch_sse_dropped_total',
    help:
      'Status stream subscribers the aggregator ended or refused: slow_reader (unsent bytes beyond ' +
      'limits.sseBufferBytes), shutdown (the aggregator closed), limit (refused: limits.sseSubscribers reached).',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of SSE_DROP_REASONS) dropped.inc({ reason }, 0);
  return { events, dropped };
}
