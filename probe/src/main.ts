/**
 * The probe command: read config, assemble, run rounds until SIGTERM/SIGINT,
 * then stop cleanly (the round in flight is abandoned, spooled reports stay
 * on disk for the next start). Flags, messages, exit codes and signals are
 * the shared command frame's.
 */
import type { Server } from 'node:http';
import { pino } from 'pino';
import {
  checkDirectory,
  collectSecrets,
  ConfigError,
  type CommandContext,
  type CommandSpec,
  createLogger,
  describeUnknownEnv,
  maskUrl,
  stopReasonOf,
} from '@propwatch/shared';
import { formatRoundTable } from './cli/format-table.js';
import { type CheckedProbeConfig, loadProbeConfig, ProbeConfig } from './config.js';
import { createProbe } from './create-probe.js';
import { serveMetrics } from './metrics/serve-metrics.js';
import { findUnbindableSource } from './querier/check-source-address.js';

const FLAGS = { once: { type: 'boolean' } } as const;

type ProbeContext = CommandContext<CheckedProbeConfig, typeof FLAGS>;

export const probeCommand: CommandSpec<CheckedProbeConfig, typeof FLAGS> = {
  name: 'propwatch-probe',
  summary:
    'writes a fresh serial into the canary TXT record, polls every POP until each serves it, ' +
    'and reports timings with error bounds to the aggregator.',
  flagLines: [
    '      --once            run one round, print a table (POP, target, NSID, state, estimate ± error), exit:',
    '                        0 every POP propagated (an instance left by a reroute aside),',
    '                        1 write failed, 2 some POP timed out or some target was unreachable',
  ],
  notes: `Logs are JSON lines on stdout (on stderr with --once, where stdout carries the table).
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 failure, 2 bad command line, 78 bad config, an unusable
stateDir / report.spoolDir or a query.sourceAddress this host does not have.
See probe/README.md for every config key and its environment variable.`,
  flags: FLAGS,
  schema: ProbeConfig,
  needsConfig: true,
  readme: 'probe/README.md',
  load: ({ file, env }) => loadProbeConfig({ file, env }),
  run: runProbe,
};

async function runProbe({ config, flags, io, stop, unknownEnv, sourceOf }: ProbeContext): Promise<number> {
  // The serial state and the spool must be writable before the first round, not found broken at it.
  const writable = 'a directory the probe can create and write';
  checkDirectory(config.stateDir, {
    key: 'stateDir',
    value: config.stateDir,
    source: sourceOf('stateDir'),
    expected: writable,
    create: true,
  });
  if (config.report.urls !== undefined)
    checkDirectory(config.report.spoolDir, {
      key: 'report.spoolDir',
      value: config.report.spoolDir,
      source: sourceOf('report.spoolDir'),
      expected: writable,
      create: true,
    });
  // A source address this host does not have would fail every query of every round: say so now.
  const unbindable = await findUnbindableSource({ v4: config.query.sourceAddress, v6: config.query.sourceAddress6 });
  if (unbindable) {
    const key = unbindable.family === 4 ? 'query.sourceAddress' : 'query.sourceAddress6';
    throw new ConfigError(
      key,
      unbindable.address,
      `an address of this host to send queries from (${unbindable.reason})`,
      sourceOf(key),
    );
  }
  // With --once, stdout carries the table; the JSON log goes to stderr.
  const logger = createLogger({
    name: 'propwatch-probe',
    level: config.logLevel,
    secrets: collectSecrets(ProbeConfig, config),
    ...(flags.once ? { destination: pino.destination({ dest: 2, sync: true }) } : {}),
  });
  for (const unknown of unknownEnv) logger.warn({ variable: unknown.name }, describeUnknownEnv(unknown));
  const probe = createProbe(config, { logger });
  let metricsServer: Server | undefined;
  let stoppingAt: bigint | undefined;
  const onStop = () => {
    stoppingAt = process.hrtime.bigint();
    // The host's monotonic clock (CLOCK_MONOTONIC, as other processes read it), so a supervisor can time the stop.
    // `stop` reaches every query in flight: the round ends now, not timeoutMs later.
    logger.info({ signal: stopReasonOf(stop), monotonicMs: nsToMs(stoppingAt) }, 'stopping');
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    if (config.metrics.port !== undefined)
      metricsServer = await serveMetrics(probe.metrics, config.metrics.host, config.metrics.port, logger);
    probe.reporter?.start();
    logger.info(
      {
        probe: config.probe.id,
        zone: config.zone,
        record: probe.record,
        writer: config.writer.kind,
        targets: config.targets.length,
        discovery: config.discovery.enabled,
        aggregator: config.report.urls?.map((url) => maskUrl(url)) ?? null,
      },
      'probe started',
    );
    if (flags.once) {
      const { report } = await probe.runner.runOnce(stop);
      io.stdout.write(formatRoundTable(report));
      if (probe.reporter) await waitForDelivery(probe.reporter.spool, config.report.timeoutMs);
      // A rerouted instance is no failure: the one the catchment moved to has its own result.
      return report.round.state === 'write_failed'
        ? 1
        : report.round.pops.some((p) => p.state === 'timeout' || p.state === 'unreachable')
          ? 2
          : 0;
    }
    await probe.runner.runForever(stop);
    return 0;
  } finally {
    await probe.close();
    await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
    const now = process.hrtime.bigint();
    logger.info(
      {
        spooled: probe.reporter?.spool.size ?? 0,
        monotonicMs: nsToMs(now),
        ...(stoppingAt === undefined ? {} : { shutdownMs: nsToMs(now - stoppingAt) }),
      },
      'stopped',
    );
    logger.flush();
  }
}

/** Nanoseconds from process.hrtime.bigint() as milliseconds with microsecond precision. */
function nsToMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

async function waitForDelivery(spool: { size: number }, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (spool.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}
