/**
 * The probe command: read config, assemble, run rounds until SIGTERM/SIGINT,
 * then stop cleanly (the round in flight is abandoned, spooled reports stay
 * on disk for the next start). Flags, messages, exit codes and signals are
 * the shared command frame's.
 */
import { pino } from 'pino';
import {
  checkDirectory,
  collectSecrets,
  type CommandContext,
  type CommandSpec,
  createLogger,
  describeUnknownEnv,
} from '@propwatch/shared';
import { formatRoundTable } from './cli/format-table.js';
import { type CheckedProbeConfig, loadProbeConfig, ProbeConfig } from './config.js';
import { createProbe } from './create-probe.js';
import { serveMetrics } from './metrics/serve-metrics.js';

const FLAGS = { once: { type: 'boolean' } } as const;

type ProbeContext = CommandContext<CheckedProbeConfig, typeof FLAGS>;

export const probeCommand: CommandSpec<CheckedProbeConfig, typeof FLAGS> = {
  name: 'propwatch-probe',
  summary:
    'writes a fresh serial into the canary TXT record, polls every POP until each serves it, ' +
    'and reports timings with error bounds to the aggregator.',
  flagLines: [
    '      --once            run one round, print a table (POP, NSID, estimate ± error, queries), exit:',
    '                        0 all propagated, 1 write failed, 2 some POP timed out',
  ],
  notes: `Logs are JSON lines on stdout (on stderr with --once, where stdout carries the table).
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 failure, 2 bad command line, 78 bad config or an unusable
stateDir / report.spoolDir. See probe/README.md for every config key and its environment variable.`,
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
  if (config.report.url !== undefined)
    checkDirectory(config.report.spoolDir, {
      key: 'report.spoolDir',
      value: config.report.spoolDir,
      source: sourceOf('report.spoolDir'),
      expected: writable,
      create: true,
    });
  // With --once, stdout carries the table; the JSON log goes to stderr.
  const logger = createLogger({
    name: 'propwatch-probe',
    level: config.logLevel,
    secrets: collectSecrets(ProbeConfig, config),
    ...(flags.once ? { destination: pino.destination({ dest: 2, sync: true }) } : {}),
  });
  for (const unknown of unknownEnv) logger.warn({ variable: unknown.name }, describeUnknownEnv(unknown));
  const probe = createProbe(config, { logger });
  stop.addEventListener('abort', () => logger.info({ signal: (stop.reason as { why: string }).why }, 'stopping'), {
    once: true,
  });
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
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
    if (flags.once) {
      const { report } = await probe.runner.runOnce(stop);
      io.stdout.write(formatRoundTable(report));
      if (probe.reporter) await waitForDelivery(probe.reporter.spool, config.report.timeoutMs);
      return report.round.state === 'write_failed'
        ? 1
        : report.round.pops.some((p) => p.state !== 'propagated')
          ? 2
          : 0;
    }
    await probe.runner.runForever(stop);
    return 0;
  } finally {
    await probe.close();
    await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
    logger.info({ spooled: probe.reporter?.spool.size ?? 0 }, 'stopped');
    logger.flush();
  }
}

async function waitForDelivery(spool: { size: number }, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (spool.size > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}
