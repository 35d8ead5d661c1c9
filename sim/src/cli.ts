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
import { type PopFault, parseFaultArg } from './faults.js';
import { type SimNetwork, startSimNetwork } from './network.js';

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
  const { faults: extraFaults, ...flags } = args.overrides;
  const config: SimConfig = { ...loaded.config, ...flags, faults: [...loaded.config.faults, ...(extraFaults ?? [])] };
  if (!(LOG_LEVELS as readonly string[]).includes(config.logLevel))
    throw new Error(`--log-level ${JSON.stringify(config.logLevel)}: expected one of ${LOG_LEVELS.join(', ')}`);
  const secrets = collectSecrets(SimConfigSchema, config);
  const faults: Record<string, PopFault> = {};
  for (const text of config.faults) {
    const { pop, fault } = parseFaultArg(text);
    faults[pop] = fault;
  }

  const startLogger = createLogger({
    name: 'propwatch-sim',
    level: config.logLevel,
    destination: process.stderr,
    secrets,
  });
  for (const name of loaded.unknownEnv)
    startLogger.warn({ variable: name }, 'unknown PROPWATCH_ variable ignored (typo?)');
  const net = await startSimNetwork({
    zone: config.zone,
    ...(config.zoneId ? { zoneId: config.zoneId } : {}),
    ...(config.apiToken ? { apiToken: config.apiToken } : {}),
    ...(config.adminToken ? { adminToken: config.adminToken } : {}),
    pops: config.pops,
    seed: config.seed,
    timeScale: config.timeScale,
    apiHost: config.apiHost,
    apiPort: config.apiPort,
    allowNonLoopback: config.allowNonLoopback,
    defaultAddress: config.dnsAddress,
    dnsPortBase: config.dnsPortBase,
    nsidTemplate: config.nsidTemplate,
    minTtl: config.minTtl,
    historyVersions: config.historyVersions,
    faults,
    logger: startLogger,
  });
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
  process.stdout.write(
    args.json ? `${JSON.stringify({ ...describeNetwork(net), ...shown })}\n` : renderTable(net, shown),
  );
  logger.info({ ...describeNetwork(net), apiToken: net.apiToken, adminToken: net.adminToken }, 'propwatch-sim ready');

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await net.close();
  logger.info('closed');
  return 0;
}

/** Everything another process needs to use the sim (the token included: it is printed for the caller, not logged). */
function describeNetwork(net: SimNetwork) {
  return {
    event: 'propwatch-sim.ready',
    version: PROPWATCH_VERSION,
    zone: net.zone,
    zoneId: net.zoneId,
    apiUrl: net.apiUrl,
    adminUrl: net.adminUrl,
    apiToken: net.apiToken,
    adminToken: net.adminToken,
    seed: net.seed,
    timeScale: net.timeScale,
    pops: net.pops,
  };
}

function renderTable(net: SimNetwork, shown: { apiToken: string; adminToken: string }): string {
  const rows = net.pops.map(
    (p) => `  ${p.name.padEnd(6)} ${p.region.padEnd(6)} ${p.address.padEnd(15)} ${String(p.port).padEnd(6)} ${p.nsid}`,
  );
  return [
    `propwatch-sim ${PROPWATCH_VERSION}: zone ${net.zone} (zone id ${net.zoneId}), seed ${net.seed}, time scale ${net.timeScale}`,
    `  provider API  ${net.apiUrl}   Authorization: Bearer ${shown.apiToken}`,
    `  admin API     ${net.adminUrl}   Authorization: Bearer ${shown.adminToken}`,
    `  ${'POP'.padEnd(6)} ${'REGION'.padEnd(6)} ${'ADDRESS'.padEnd(15)} ${'PORT'.padEnd(6)} NSID (UDP and TCP on the same port)`,
    ...rows,
    `  try: dig @${net.pops[0]!.address} -p ${net.pops[0]!.port} +norec +nsid SOA ${net.zone}`,
    '',
  ].join('\n');
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
