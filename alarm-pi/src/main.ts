/**
 * The beacon client command: config, logger, driver, and the poll loop until
 * a stop. Every exit path turns the light off and releases the line first;
 * at start the driver forces the line off, so a crash loop never leaves the
 * light on. Flags, messages, exit codes and signals (SIGTERM, SIGINT, and an
 * uncaught exception, which also turns the light off) are the shared command
 * frame's.
 */
import {
  type CommandContext,
  type CommandSpec,
  CommandError,
  EXIT_FAILURE,
  EXIT_UNAVAILABLE,
  type StopRequest,
  collectSecrets,
  createLogger,
  describeUnknownEnv,
  whenAborted,
} from '@propwatch/shared';
import { startAlarmClient } from './alarm-client.js';
import { AlarmPiConfigSchema, aggregatorUrls, loadAlarmConfig, type AlarmPiConfig } from './config.js';
import { chooseDriver, gpioFacts } from './drivers/choose-driver.js';
import { DRIVERS } from './drivers/index.js';
import type { BeaconDriver } from './drivers/driver.js';
import { GpioUnavailableError } from './drivers/sysfs-base.js';
import { httpFetch } from './http-fetch.js';
import { pollOnce } from './poll-once.js';

const FLAGS = {
  driver: { type: 'string', short: 'd' },
  once: { type: 'boolean' },
  off: { type: 'boolean' },
} as const;

/**
 * Every request of the command goes through node:http, never the global fetch (undici): undici is the client's
 * largest single cost in memory (see http-fetch.ts), and under the bundle's --lite-mode (no WebAssembly) it cannot
 * even load its HTTP parser. The cast: the client passes a URL string, plain-object headers and a signal only.
 */
const HTTP_FETCH = httpFetch as typeof fetch;

type AlarmContext = CommandContext<AlarmPiConfig, typeof FLAGS>;

export const alarmCommand: CommandSpec<AlarmPiConfig, typeof FLAGS> = {
  name: 'propwatch-alarm',
  summary: "follows the propwatch aggregator's status (stream, or polling) and drives a beacon light.",
  flagLines: [
    '  -d, --driver <name>   auto | gpio | gpioset | console (overrides the config; auto picks gpio or gpioset)',
    '      --once            poll once, print the state, exit 0 = ok, 1 = alarm, 2 = anything else',
    '      --off             force the light off, release the line and exit (for ExecStopPost)',
  ],
  notes: `Logs are JSON lines on stderr; --once and the console driver write to stdout.
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 crash (after turning the light off), 2 bad command line,
69 the driver cannot reach the hardware (the message says which driver to use), 78 bad config.`,
  flags: FLAGS,
  schema: AlarmPiConfigSchema,
  needsConfig: true,
  readme: 'alarm-pi/README.md',
  load: ({ file, env, flags }) => loadAlarmConfig({ file, env, driver: flags.driver }),
  run: runAlarm,
  // If the driver hangs, do not hang with it: systemd/Docker restart us and the next start forces the line off.
  stopTimeoutMs: 5_000,
};

async function runAlarm({ config, flags, io, stop, unknownEnv }: AlarmContext): Promise<number> {
  const logger = createLogger({
    name: 'propwatch-alarm',
    level: config.logLevel,
    secrets: collectSecrets(AlarmPiConfigSchema, config),
    destination: io.stderr,
  });
  for (const unknown of unknownEnv) logger.warn({ variable: unknown.name }, describeUnknownEnv(unknown));
  if (flags.once) return pollOnce(config, io.stdout, HTTP_FETCH);

  const choice =
    config.driver === 'auto'
      ? chooseDriver(gpioFacts(config.gpio.sysfsRoot))
      : { driver: config.driver, why: 'configured' };
  if (choice.driver === null) {
    logger.fatal({ driver: 'auto', why: choice.why }, 'no beacon driver for this machine');
    throw new CommandError(`driver auto: ${choice.why}`, EXIT_UNAVAILABLE);
  }
  logger.info({ driver: choice.driver, why: choice.why }, 'beacon driver');
  let driver: BeaconDriver;
  try {
    driver = await DRIVERS[choice.driver]({ config, logger, out: io.stdout });
  } catch (error) {
    logger.fatal({ err: error, driver: choice.driver }, 'cannot open the beacon driver');
    const code = error instanceof GpioUnavailableError ? EXIT_UNAVAILABLE : EXIT_FAILURE;
    throw new CommandError((error as Error).message, code);
  }
  // A stop that came while the driver opened still ends with the light off.
  if (flags.off || stop.aborted) {
    await driver.close();
    const why = stop.aborted ? (stop.reason as StopRequest).why : '--off';
    logger.info({ driver: driver.name, why }, 'light forced off and line released');
    return 0;
  }
  const client = await startAlarmClient({ config, logger, driver, fetch: HTTP_FETCH });
  logger.info(
    {
      driver: driver.name,
      aggregator: aggregatorUrls(config),
      stream: config.stream.enabled,
      pin: config.pin,
      activeLow: config.activeLow,
    },
    'propwatch-alarm started',
  );
  await whenAborted(stop);
  const request = stop.reason as StopRequest;
  if (request.error) logger.fatal({ err: request.error }, `${request.why}: turning the light off`);
  else logger.info({ why: request.why }, 'shutting down: turning the light off');
  try {
    await client.stop();
    return 0;
  } catch (stopError) {
    logger.error({ err: stopError }, 'could not release the line cleanly');
    return 1;
  }
}
