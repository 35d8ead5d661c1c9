#!/usr/bin/env node
/**
 * propwatch-sim: starts the simulated network, prints how to reach it (a
 * table, or one JSON line with --json, on stdout), logs pino JSON on stderr,
 * and runs until SIGINT/SIGTERM.
 */
import {
  ConfigError,
  PROPWATCH_VERSION,
  collectSecrets,
  createLogger,
  loadConfig,
  LOG_LEVELS,
} from '@propwatch/shared';
import { HELP, parseCliArgs } from './cli-args.js';
import { SimConfigSchema, type SimConfig } from './config-schema.js';
import { simOptionsFromConfig } from './config-options.js';
import { startSimNetwork } from './network.js';
import { describeNetwork, renderTable } from './ready-output.js';

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`propwatch-sim ${PROPWATCH_VERSION}\n`);
    return 0;
  }
  const loaded = loadConfig(SimConfigSchema, {
    file: args.configFile ?? process.env.PROPWATCH_CONFIG,
    env: process.env,
  });
  const { faults: extraFaults, reroutes: extraReroutes, ...flags } = args.overrides;
  const config: SimConfig = {
    ...loaded.config,
    ...flags,
    faults: [...loaded.config.faults, ...(extraFaults ?? [])],
    reroutes: [...loaded.config.reroutes, ...(extraReroutes ?? [])],
  };
  if (!(LOG_LEVELS as readonly string[]).includes(config.logLevel))
    throw new Error(`--log-level ${JSON.stringify(config.logLevel)}: expected one of ${LOG_LEVELS.join(', ')}`);
  const secrets = collectSecrets(SimConfigSchema, config);
  const options = simOptionsFromConfig(config);

  const startLogger = createLogger({
    name: 'propwatch-sim',
    level: config.logLevel,
    destination: process.stderr,
    secrets,
  });
  for (const name of loaded.unknownEnv)
    startLogger.warn({ variable: name }, 'unknown PROPWATCH_ variable ignored (typo?)');
  const net = await startSimNetwork({ ...options, logger: startLogger });
  // The generated token is a secret too: scrub it from every later log line.
  const logger = createLogger({
    name: 'propwatch-sim',
    level: config.logLevel,
    destination: process.stderr,
    secrets: [...secrets, net.apiToken, net.adminToken],
  });
  // A generated token is printed once, on stdout, for whoever started the sim;
  // a configured one is already known to the operator and never printed.
  const shown = {
    apiToken: config.apiToken ? '(configured)' : net.apiToken,
    adminToken: config.adminToken || config.apiToken ? '(configured)' : net.adminToken,
  };
  // Listen for signals before saying ready: whoever reads the ready line may stop the sim at once.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write(
    args.json ? `${JSON.stringify({ ...describeNetwork(net), ...shown })}\n` : renderTable(net, shown),
  );
  logger.info({ ...describeNetwork(net), apiToken: net.apiToken, adminToken: net.adminToken }, 'propwatch-sim ready');

  await stopped;
  await net.close();
  logger.info('closed');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`propwatch-sim: ${message}\n`);
    process.exitCode = 2;
  },
);
