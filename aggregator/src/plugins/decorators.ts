/** Types of what the plugins decorate the fastify instance and requests with. */
import type { onRequestHookHandler } from 'fastify';
import type { Clock } from '@propwatch/shared';
import type { AggregatorConfig } from '../config.js';
import type { PopRegistry } from '../cardinality/pop-registry.js';
import type { ReadGate } from '../http/read-gate.js';
import type { AggregatorMetrics } from '../metrics/aggregator-metrics.js';
import type { StatusTracker } from '../status/status-tracker.js';
import type { TransitionCommitter } from '../status/transition-committer.js';
import type { WaitWarningLog } from '../status/wait-warnings.js';
import type { RoundStore } from '../storage/round-store.js';
import type { WriteHealth } from '../storage/write-health.js';
import type { StatusStream } from '../stream/status-stream.js';

declare module 'fastify' {
  interface FastifyInstance {
    aggregatorConfig: AggregatorConfig;
    clock: Pick<Clock, 'now' | 'monotonicNow'>;
    store: RoundStore;
    /** Whether storage writes are durable now (every write outcome and file check feeds it); /readyz reads it. */
    writeHealth: WriteHealth;
    statusTracker: StatusTracker;
    /** The status as Server-Sent Events: events from the tracker's evaluations, the open subscribers. */
    statusStream: StatusStream;
    /** Decides each status transition once across replicas (status row + outbox, transition-committer.ts). */
    transitions: TransitionCommitter;
    /** Logs once per probe and reported wait when a probe's maxWaitMs cannot exceed status.alarmAboveMs. */
    waitWarnings: WaitWarningLog;
    metrics: AggregatorMetrics;
    /** The (probe, POP) series within retention; ingest admits reports through it (expectedPops, popsPerProbe). */
    popRegistry: PopRegistry;
    /** Runs heavy reads in slices, a few at a time, so they never hold the event loop. */
    readGate: ReadGate;
    /** onRequest hook: 401 unless the request carries a configured probe token; sets request.probeId. */
    authenticateProbe: onRequestHookHandler;
    /** onRequest hook: 401 when a read token is configured and not presented. */
    requireReadToken: onRequestHookHandler;
  }
  interface FastifyRequest {
    /** The probe whose token authenticated this request (ingest only). */
    probeId: string | null;
  }
}

export {};
