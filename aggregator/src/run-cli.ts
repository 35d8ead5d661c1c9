/**
 * The CLI's logic, separate from process globals so it can be tested:
 * parse arguments, load config (exit 78 with the ConfigError message), build
 * and listen. Returns an exit code, or the running app for the shell to stop.
 */
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { ConfigError, PROPWATCH_VERSION, collectSecrets, createLogger, type Logger } from '@propwatch/shared';
import { build } from './app.js';
import { AggregatorConfigSchema, loadAggregatorConfig } from './config.js';

export const USAGE = `Usage: propwatch-aggregator [--config <file>]

Ingests propwatch probe reports, decides the alarm state, serves REST and /metrics.

Options:
  -c, --config <file>  YAML config file (default: $PROPWATCH_CONFIG); every key
                       can be overridden by PROPWATCH_<KEY> env variables,
                       e.g. PROPWATCH_LISTEN__PORT=9000
  -h, --help           show this help
  -v, --version        show the version
`;

/** sysexits.h EX_CONFIG, as the probe and alarm-pi use: systemd's RestartPreventExitStatus=78 keeps a bad config from crash-looping. */
export const EXIT_CONFIG = 78;

export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export type CliOutcome = { exitCode: number } | { app: FastifyInstance; log: Logger };

export async function runCli(argv: readonly string[], io: CliIo): Promise<CliOutcome> {
  let values: { config?: string | undefined; help?: boolean | undefined; version?: boolean | undefined };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr(`propwatch-aggregator: ${(error as Error).message}\n\n${USAGE}`);
    return { exitCode: 2 };
  }
  if (values.help) {
    io.stdout(USAGE);
    return { exitCode: 0 };
  }
  if (values.version) {
    io.stdout(`${PROPWATCH_VERSION}\n`);
    return { exitCode: 0 };
  }
  let loaded;
  try {
    loaded = loadAggregatorConfig({ file: values.config ?? io.env.PROPWATCH_CONFIG, env: io.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`propwatch-aggregator: ${error.message}\n`);
    return { exitCode: EXIT_CONFIG };
  }
  const { config } = loaded;
  const log = createLogger({
    name: 'propwatch-aggregator',
    level: config.logLevel as 'info',
    secrets: collectSecrets(AggregatorConfigSchema, config),
  });
  for (const name of loaded.unknownEnv)
    log.warn({ variable: name }, 'environment variable matches no config key; typo?');
  const app = build({ config, logger: log });
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (error) {
    log.fatal({ err: error }, 'could not start');
    await app.close().catch(() => undefined);
    return { exitCode: 1 };
  }
  log.info(
    { version: PROPWATCH_VERSION, probes: config.probes.length, storage: config.storage.path },
    'aggregator ready',
  );
  return { app, log };
}
