/**
 * The aggregator command: load config, check the storage directory, build
 * and listen, then serve until SIGTERM/SIGINT and close (HTTP server, timers,
 * database). Flags, messages, exit codes and signals are the shared command
 * frame's; cli.ts only runs it.
 */
import { dirname, resolve } from 'node:path';
import {
  PROPWATCH_VERSION,
  checkDirectory,
  collectSecrets,
  type CommandContext,
  type CommandSpec,
  createLogger,
  describeUnknownEnv,
  listenFailure,
  stopReasonOf,
  whenAborted,
} from '@propwatch/shared';
import { build } from './app.js';
import { type AggregatorConfig, AggregatorConfigSchema, loadAggregatorConfig } from './config.js';

const FLAGS = {} as const;

export const aggregatorCommand: CommandSpec<AggregatorConfig, typeof FLAGS> = {
  name: 'propwatch-aggregator',
  summary: 'ingests propwatch probe reports, decides the alarm state, serves REST, /metrics, webhooks and a dashboard.',
  flagLines: [],
  notes: `Every key can be set by a PROPWATCH_<KEY> variable, e.g. PROPWATCH_LISTEN__PORT=9000.
Logs are JSON lines on stdout. Exit codes: 0 stopped by SIGINT/SIGTERM, 1 failure (a port in use: the
message says which and what to change), 2 bad command line, 78 bad config or storage directory.`,
  flags: FLAGS,
  schema: AggregatorConfigSchema,
  needsConfig: true,
  readme: 'aggregator/README.md',
  load: ({ file, env }) => loadAggregatorConfig({ file, env }),
  run: runAggregator,
};

async function runAggregator({
  config,
  stop,
  unknownEnv,
  sourceOf,
}: CommandContext<AggregatorConfig, typeof FLAGS>): Promise<number> {
  // SQLite creates the file, not its directory: a typo'd path is found here, named, instead of a stack trace.
  if (config.storage.backend === 'sqlite' && config.storage.path !== ':memory:')
    checkDirectory(dirname(resolve(config.storage.path)), {
      key: 'storage.path',
      value: config.storage.path,
      source: sourceOf('storage.path'),
      expected: 'a database file in an existing, writable directory',
      create: false,
    });
  const log = createLogger({
    name: 'propwatch-aggregator',
    level: config.logLevel,
    secrets: collectSecrets(AggregatorConfigSchema, config),
  });
  for (const unknown of unknownEnv) log.warn({ variable: unknown.name }, describeUnknownEnv(unknown));
  const app = build({ config, logger: log });
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (error) {
    log.fatal({ err: error }, 'could not start');
    await app.close().catch(() => undefined);
    throw listenFailure(error, config.listen.host, config.listen.port, 'listen.port');
  }
  log.info(
    {
      version: PROPWATCH_VERSION,
      probes: config.probes.length,
      // Never the PostgreSQL URL: it may hold the password.
      storage: config.storage.backend === 'sqlite' ? config.storage.path : 'postgres',
    },
    'aggregator ready',
  );
  await whenAborted(stop);
  log.info({ signal: stopReasonOf(stop) }, 'shutting down');
  try {
    await app.close();
    return 0;
  } catch (error) {
    log.error({ err: error }, 'shutdown failed');
    return 1;
  }
}
