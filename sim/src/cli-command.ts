/**
 * The propwatch-sim command: starts the simulated network, prints how to
 * reach it (a table, or one JSON line with --json, on stdout), logs pino JSON
 * on stderr, and runs until SIGINT/SIGTERM. Flags, messages, exit codes and
 * signals are the shared command frame's.
 */
import {
  type CommandContext,
  type CommandSpec,
  CommandError,
  ConfigError,
  EXIT_CONFIG,
  collectSecrets,
  createLogger,
  describeUnknownEnv,
  loadConfig,
  type LoadedConfig,
  stopReasonOf,
  whenAborted,
} from '@propwatch/shared';
import { SIM_FLAG_LINES, SIM_FLAGS, simFlagOverrides } from './cli-args.js';
import { simOptionsFromConfig } from './config-options.js';
import { SimConfigSchema, type SimConfig } from './config-schema.js';
import { parseFaultArg } from './faults.js';
import { startSimNetwork } from './network.js';
import { planNetwork } from './plan-network.js';
import { parseRerouteArg } from './reroutes.js';
import { describeNetwork, renderTable } from './ready-output.js';
import type { SimNetworkOptions } from './sim-options.js';
import { spreadPops } from './spread-pops.js';

type SimContext = CommandContext<SimConfig, typeof SIM_FLAGS>;

export const simCommand: CommandSpec<SimConfig, typeof SIM_FLAGS> = {
  name: 'propwatch-sim',
  summary: 'a simulated anycast DNS network on loopback.',
  flagLines: SIM_FLAG_LINES,
  notes: `Environment: every config key as PROPWATCH_<KEY> (e.g. PROPWATCH_API_TOKEN, PROPWATCH_TIME_SCALE);
flags win over the environment, which wins over the file. The JSON log goes to stderr.
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 failure, 2 bad command line, 78 bad config.`,
  flags: SIM_FLAGS,
  schema: SimConfigSchema,
  needsConfig: false,
  readme: 'sim/README.md',
  load: ({ file, env, flags }) =>
    checkSimConfig(loadConfig(SimConfigSchema, { file, env, flags: simFlagOverrides(flags) })),
  run: runSim,
};

/**
 * What the schema cannot say: fault and reroute syntax, loopback addresses, POP, vantage and anycast
 * names; each a config error (exit 78).
 */
function checkSimConfig(loaded: LoadedConfig<SimConfig>): LoadedConfig<SimConfig> {
  const { config, sourceOf } = loaded;
  config.faults.forEach((text, index) => {
    try {
      parseFaultArg(text);
    } catch {
      throw new ConfigError(
        `faults.${index}`,
        text,
        'POP=slow[:ms] | POP=stuck | POP=down | POP=flaky[:fraction]',
        sourceOf(`faults.${index}`),
      );
    }
  });
  config.reroutes.forEach((text, index) => {
    try {
      parseRerouteArg(text);
    } catch (error) {
      // parseRerouteArg says `reroute "<text>": expected …` or what is wrong; key, value and source are said here.
      const problem = (error as Error).message.replace(/^reroute "(?:[^"\\]|\\.)*": /, '');
      const expected = problem.startsWith('expected ') ? problem.slice('expected '.length) : `a reroute (${problem})`;
      throw new ConfigError(`reroutes.${index}`, text, expected, sourceOf(`reroutes.${index}`));
    }
  });
  try {
    planNetwork(networkOptions(config));
  } catch (error) {
    // These checks word their own messages and name the key first ("apiHost "0.0.0.0": …").
    throw new CommandError(`config: ${(error as Error).message}`, EXIT_CONFIG);
  }
  return loaded;
}

/** The one mapping of config to options (config-options.ts); a count of POPs is spread over the regions. */
function networkOptions(config: SimConfig): SimNetworkOptions {
  return {
    ...simOptionsFromConfig(config),
    pops: typeof config.pops === 'number' ? spreadPops(config.pops) : config.pops,
  };
}

async function runSim({ config, flags, io, stop, unknownEnv }: SimContext): Promise<number> {
  const secrets = collectSecrets(SimConfigSchema, config);
  const startLogger = createLogger({ name: 'propwatch-sim', level: config.logLevel, destination: io.stderr, secrets });
  for (const unknown of unknownEnv) startLogger.warn({ variable: unknown.name }, describeUnknownEnv(unknown));
  const net = await startSimNetwork({ ...networkOptions(config), logger: startLogger });
  // The generated token is a secret too: scrub it from every later log line.
  const logger = createLogger({
    name: 'propwatch-sim',
    level: config.logLevel,
    destination: io.stderr,
    secrets: [...secrets, net.apiToken, net.adminToken],
  });
  // A generated token is printed once, on stdout, for whoever started the sim;
  // a configured one is already known to the operator and never printed.
  const shown = {
    apiToken: config.apiToken ? '(configured)' : net.apiToken,
    adminToken: config.adminToken || config.apiToken ? '(configured)' : net.adminToken,
  };
  io.stdout.write(flags.json ? `${JSON.stringify({ ...describeNetwork(net), ...shown })}\n` : renderTable(net, shown));
  logger.info({ ...describeNetwork(net), apiToken: net.apiToken, adminToken: net.adminToken }, 'propwatch-sim ready');
  await whenAborted(stop);
  logger.info({ signal: stopReasonOf(stop) }, 'shutting down');
  await net.close();
  logger.info('closed');
  return 0;
}
