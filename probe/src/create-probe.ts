/**
 * Assembles a probe from its config: writer, querier, target list, reporter,
 * metrics and the round runner. main.ts calls this; so do end-to-end tests and
 * the demo, which is why nothing here touches process signals or stdout.
 */
import { join } from 'node:path';
import {
  canaryName,
  type Clock,
  type Logger,
  PROPWATCH_VERSION,
  type RoundReport,
  SerialSource,
  systemClock,
} from '@propwatch/shared';
import type { CheckedProbeConfig, WriterSettings } from './config.js';
import { ProbeMetrics } from './metrics/probe-metrics.js';
import { discoverTargets, Querier } from './querier/index.js';
import { nameDiscoveredTargets } from './querier/target-names.js';
import { Reporter } from './report/reporter.js';
import { createCanaryChecker } from './round/canary-checker.js';
import { createPopFromNsid } from './round/pop-from-nsid.js';
import { ProbeRunner } from './round/probe-runner.js';
import type { Target } from './round/types.js';
import { CloudflareWriter } from './writers/cloudflare/cloudflare-writer.js';
import { createRfc2136Writer } from './writers/rfc2136/index.js';
import type { CanaryWriter } from './writers/writer.js';

/** One constructor per writer kind; the config key picks it. */
function createWriter(writer: WriterSettings): CanaryWriter {
  switch (writer.kind) {
    case 'cloudflare':
      return new CloudflareWriter(writer.cloudflare);
    case 'rfc2136':
      return createRfc2136Writer(writer.rfc2136);
  }
}

/** Re-discovering the NS set every round would double the query load for no gain; NS sets change rarely. */
const DISCOVERY_REFRESH_MS = 10 * 60_000;

export interface ProbeDeps {
  logger?: Logger;
  clock?: Clock;
  writer?: CanaryWriter;
  metrics?: ProbeMetrics;
  /** NS discovery; tests pass a fake. */
  discover?: typeof discoverTargets;
  /** Called with every report; the reporter (when configured) also gets them. */
  onReport?: (report: RoundReport) => void;
}

export interface Probe {
  runner: ProbeRunner;
  reporter: Reporter | undefined;
  metrics: ProbeMetrics;
  querier: Querier;
  record: string;
  resolveTargets: (signal?: AbortSignal) => Promise<Target[]>;
  close(): Promise<void>;
}

export function createProbe(config: CheckedProbeConfig, deps: ProbeDeps = {}): Probe {
  const { logger } = deps;
  const clock = deps.clock ?? systemClock;
  // Process metrics (CPU, heap, event-loop lag) cost timers and memory; they are only worth it when /metrics is served.
  const metrics = deps.metrics ?? new ProbeMetrics(config.metrics.port !== undefined);
  const writer = deps.writer ?? createWriter(config.writer);
  const { timeoutMs, maxQueriesPerSocket, maxSocketAgeMs, sourceAddress, sourceAddress6 } = config.query;
  // The same source for UDP and the TCP fallback: a server (or the sim) that tells vantages by source sees one.
  const bind = { v4: sourceAddress, v6: sourceAddress6 };
  const querier = new Querier({ timeoutMs, maxQueriesPerSocket, maxSocketAgeMs, bind });
  metrics.watchSockets(() => querier.stats().sockets);
  const discover = deps.discover ?? discoverTargets;
  const record = canaryName(config.probe.id, config.zone, config.canaryLabel);
  const { report } = config;
  if (report.urls !== undefined) metrics.declareEndpoints(report.urls.length);
  const reporter =
    report.urls !== undefined
      ? new Reporter(
          {
            urls: report.urls.map((base) => new URL('/api/v1/rounds', base).toString()),
            // 0 = stay on whichever URL answers.
            preferFirstAfterMs: report.preferFirstAfterMs || undefined,
            token: report.token,
            timeoutMs: report.timeoutMs,
            backoffBaseMs: report.backoffBaseMs,
            backoffMaxMs: report.backoffMaxMs,
            spoolDir: report.spoolDir,
            maxSpoolFiles: report.maxSpoolFiles,
          },
          {
            sleep: clock.sleep,
            ...(logger ? { logger } : {}),
            onAttempt: (result) => {
              metrics.deliveries.labels(result).inc();
              metrics.spooled.set(reporter?.spool.size ?? 0);
            },
            onEndpointChange: (change) => metrics.observeEndpointChange(change),
            onDropped: (count) => metrics.spoolDropped.inc(count),
            onNotSpooled: (reason) => metrics.notSpooled.labels(reason).inc(),
          },
          logger,
        )
      : undefined;

  let discovered: { at: number; targets: Target[] } | undefined;
  const resolveTargets = async (signal?: AbortSignal): Promise<Target[]> => {
    const configured: Target[] = config.targets.map((t) => ({
      name: t.name,
      address: t.address,
      port: t.port,
      kind: t.kind,
    }));
    const { discovery } = config;
    if (!discovery.enabled) return configured;
    if (!discovered || clock.monotonicNow() - discovered.at > DISCOVERY_REFRESH_MS) {
      const found = await discover(querier, {
        zone: config.zone,
        resolver: { address: discovery.resolverAddress, port: discovery.resolverPort },
        port: discovery.port,
        timeoutMs: config.query.timeoutMs,
        signal,
      });
      if (found.ok) {
        for (const warning of found.warnings) logger?.warn({ warning }, 'target discovery');
        const kind = discovery.targetKind;
        discovered = {
          at: clock.monotonicNow(),
          targets: nameDiscoveredTargets(found.targets).map((t) => ({ ...t, kind })),
        };
      } else if (!signal?.aborted) {
        // Keep measuring the previous set (or the static one) rather than nothing.
        logger?.error({ error: found.error }, 'target discovery failed; using the previous target set');
      }
    }
    // A configured target wins over a discovered one of the same name or the same address (polled once).
    const names = new Set(configured.map((t) => t.name));
    const addresses = new Set(configured.map(addressKey));
    return [
      ...configured,
      ...(discovered?.targets ?? []).filter((t) => !names.has(t.name) && !addresses.has(addressKey(t))),
    ];
  };

  const runner = new ProbeRunner(
    {
      probe: { id: config.probe.id, region: config.probe.region, version: PROPWATCH_VERSION },
      zone: config.zone.replace(/\.$/, ''),
      record,
      ttl: config.ttl,
      pollIntervalMs: config.round.pollIntervalMs,
      queryTimeoutMs: config.query.timeoutMs,
      perTargetQps: config.round.perTargetQps,
      maxWaitMs: config.round.maxWaitMs,
      progressMs: config.round.progressMs,
      concurrency: config.query.concurrency,
      intervalMs: config.round.intervalMs,
    },
    {
      writer,
      check: createCanaryChecker(querier, {
        timeoutMs: config.query.timeoutMs,
        nsid: config.query.nsid,
        chaosIdentity: config.query.chaosIdentity,
        chaosIdentityFallback: config.query.chaosIdentityFallback,
      }),
      popFromNsid: createPopFromNsid(config.popFromNsid),
      clock,
      serials: new SerialSource(join(config.stateDir, `serial-${config.probe.id}`)),
      resolveTargets,
      submit: (report) => {
        deps.onReport?.(report);
        reporter?.submit(report);
        metrics.spooled.set(reporter?.spool.size ?? 0);
      },
      onRound: (outcome) => {
        metrics.observeRound(outcome.report);
        metrics.observeTargets(outcome.targets);
        const { round } = outcome.report;
        const worst = round.pops.reduce<(typeof round.pops)[number] | undefined>(
          (w, p) => (!w || (p.estimateMs ?? p.lowerMs) > (w.estimateMs ?? w.lowerMs) ? p : w),
          undefined,
        );
        logger?.info(
          {
            roundId: round.id,
            state: round.state,
            pops: round.pops.length,
            worstPop: worst?.pop,
            worstMs: worst?.estimateMs ?? worst?.lowerMs,
            timeouts: round.pops.filter((p) => p.state === 'timeout').length,
            unreachable: round.pops.filter((p) => p.state === 'unreachable').map((p) => p.via ?? p.pop),
            rerouted: round.pops.filter((p) => p.state === 'rerouted').map((p) => `${p.via ?? p.pop}:${p.pop}`),
            writeError: round.write.error,
          },
          'round finished',
        );
      },
      ...(logger ? { logger } : {}),
    },
  );

  return {
    runner,
    reporter,
    metrics,
    querier,
    record,
    resolveTargets,
    async close() {
      await reporter?.stop();
      querier.close();
      await writer.close?.();
    },
  };
}

function addressKey(target: Pick<Target, 'address' | 'port'>): string {
  return `${target.address.toLowerCase()}#${target.port}`;
}
