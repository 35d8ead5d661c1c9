/**
 * The probe process: read config, assemble, run rounds until SIGTERM/SIGINT,
 * then stop cleanly (the round in flight is abandoned, spooled reports stay
 * on disk for the next start).
 */
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { collectSecrets, ConfigError, createLogger, maskSecrets, PROPWATCH_VERSION } from '@propwatch/shared';
import { formatRoundTable } from './cli/format-table.js';
import { loadProbeConfig, ProbeConfig } from './config.js';
import { createProbe } from './create-probe.js';
import { serveMetrics } from './metrics/serve-metrics.js';
import { findUnbindableSource } from './querier/check-source-address.js';

const HELP = `propwatch-probe ${PROPWATCH_VERSION}
Writes a fresh serial into the canary TXT record, polls every POP until each
serves it, and reports timings with error bounds to the aggregator.

Usage: propwatch-probe [--config probe.yaml] [--once] [--print-config]

Options:
  -c, --config FILE   YAML config (also PROPWATCH_CONFIG); PROPWATCH_* variables override it
      --once          run one round, print a table (POP, target, NSID, state, estimate ± error), exit
                      exit code: 0 every POP propagated (an instance left by a reroute aside),
                      1 write failed, 2 some POP timed out or some target was unreachable
      --print-config  print the effective config with secrets masked, then exit
  -h, --help          this text
  -v, --version       print the version

See probe/README.md for every config key and its environment variable.
`;

export async function main(argv = process.argv.slice(2), env = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      once: { type: 'boolean' },
      'print-config': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
  });
  if (values.help) return (void process.stdout.write(HELP), 0);
  if (values.version) return (void process.stdout.write(`${PROPWATCH_VERSION}\n`), 0);

  let loaded;
  try {
    loaded = loadProbeConfig({ file: values.config ?? env.PROPWATCH_CONFIG, env });
  } catch (error) {
    if (error instanceof ConfigError) return (void process.stderr.write(`propwatch-probe: ${error.message}\n`), 78); // EX_CONFIG
    throw error;
  }
  const { config } = loaded;
  if (values['print-config'])
    return (void process.stdout.write(`${JSON.stringify(maskSecrets(ProbeConfig, config), null, 2)}\n`), 0);
  // A source address this host does not have would fail every query of every round: say so now.
  const unbindable = await findUnbindableSource({ v4: config.query.sourceAddress, v6: config.query.sourceAddress6 });
  if (unbindable) {
    const key = unbindable.family === 4 ? 'query.sourceAddress' : 'query.sourceAddress6';
    const error = new ConfigError(
      key,
      unbindable.address,
      `an address of this host to send queries from (${unbindable.reason})`,
      loaded.sourceOf(key),
    );
    return (void process.stderr.write(`propwatch-probe: ${error.message}\n`), 78);
  }

  // With --once, stdout carries the table; the JSON log goes to stderr.
  const logger = createLogger({
    name: 'propwatch-probe',
    level: config.logLevel,
    secrets: collectSecrets(ProbeConfig, config),
    ...(values.once ? { destination: pino.destination({ dest: 2, sync: true }) } : {}),
  });
  for (const name of loaded.unknownEnv)
    logger.warn({ variable: name }, 'environment variable matches no config key (typo?)');
  const probe = createProbe(config, { logger });
  const stop = new AbortController();
  let metricsServer: Server | undefined;
  let stoppingAt: bigint | undefined;
  const shutdown = (signal: string) => {
    if (stop.signal.aborted) return;
    stoppingAt = process.hrtime.bigint();
    // The host's monotonic clock (CLOCK_MONOTONIC, as other processes read it), so a supervisor can time the stop.
    logger.info({ signal, monotonicMs: nsToMs(stoppingAt) }, 'stopping');
    // Reaches every query in flight: the round ends now, not timeoutMs later.
    stop.abort();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

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
        aggregator: config.report.url ?? null,
      },
      'probe started',
    );
    if (values.once) {
      const { report } = await probe.runner.runOnce(stop.signal);
      process.stdout.write(formatRoundTable(report));
      if (probe.reporter) await waitForDelivery(probe.reporter.spool, config.report.timeoutMs);
      // A rerouted instance is no failure: the one the catchment moved to has its own result.
      return report.round.state === 'write_failed'
        ? 1
        : report.round.pops.some((p) => p.state === 'timeout' || p.state === 'unreachable')
          ? 2
          : 0;
    }
    await probe.runner.runForever(stop.signal);
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
