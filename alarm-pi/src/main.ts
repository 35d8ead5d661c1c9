/**
 * The process shell: command line, config, logger, driver, signals. Every
 * exit path turns the light off and releases the line first; at start the
 * driver forces the line off, so a crash loop never leaves the light on.
 */
import { parseArgs } from 'node:util';
import { ConfigError, PROPWATCH_VERSION, collectSecrets, createLogger, type Logger } from '@propwatch/shared';
import { startAlarmClient, type AlarmClient } from './alarm-client.js';
import { AlarmPiConfigSchema, loadAlarmConfig, type AlarmPiConfig } from './config.js';
import { DRIVERS } from './drivers/index.js';
import type { BeaconDriver } from './drivers/driver.js';
import { GpioUnavailableError } from './drivers/sysfs-base.js';
import { createStatusFetcher } from './status-fetcher.js';
import { terminalText } from './terminal-text.js';

/** sysexits.h EX_CONFIG: systemd's RestartPreventExitStatus keeps a bad config from crash-looping. */
export const EXIT_CONFIG = 78;
/** sysexits.h EX_UNAVAILABLE: the chosen driver cannot reach the hardware. */
export const EXIT_UNAVAILABLE = 69;

export const HELP = `propwatch-alarm ${PROPWATCH_VERSION}: polls the propwatch aggregator and drives a beacon light.

Usage: propwatch-alarm [options]

  -c, --config <file>   YAML config file (or PROPWATCH_CONFIG); PROPWATCH_* variables override it
  -d, --driver <name>   gpio | gpioset | console (overrides the config)
      --once            poll once, print the state, exit 0 = ok, 1 = alarm, 2 = anything else
      --off             force the light off, release the line and exit (for ExecStopPost)
  -h, --help            this text
  -v, --version         print the version

Logs are JSON lines on stderr; --once and the console driver write to stdout.
`;

export interface MainIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const defaultIo: MainIo = { env: process.env, stdout: process.stdout, stderr: process.stderr };

/** Runs the CLI; resolves with the exit code (long-running mode resolves on a signal). */
export async function runMain(argv: readonly string[], io: MainIo = defaultIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string', short: 'c' },
        driver: { type: 'string', short: 'd' },
        once: { type: 'boolean' },
        off: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
    }).values;
  } catch (error) {
    io.stderr.write(`propwatch-alarm: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (args.help) return (io.stdout.write(HELP), 0);
  if (args.version) return (io.stdout.write(`${PROPWATCH_VERSION}\n`), 0);

  let config: AlarmPiConfig;
  try {
    config = loadAlarmConfig({ file: args.config ?? io.env.PROPWATCH_CONFIG, env: io.env, driver: args.driver }).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`propwatch-alarm: ${error.message}\n`);
    return EXIT_CONFIG;
  }
  const logger = createLogger({
    name: 'propwatch-alarm',
    level: config.logLevel,
    secrets: collectSecrets(AlarmPiConfigSchema, config),
    destination: io.stderr,
  });

  if (args.once) return pollOnce(config, io);

  // Listen for signals before anything can switch the line: a SIGTERM that
  // arrives while the driver opens must still end with the light off and exit 0.
  const shutdown = listenForShutdown();
  let driver: BeaconDriver;
  try {
    driver = await DRIVERS[config.driver]({ config, logger, out: io.stdout });
  } catch (error) {
    logger.fatal({ err: error, driver: config.driver }, 'cannot open the beacon driver');
    io.stderr.write(`propwatch-alarm: ${(error as Error).message}\n`);
    return error instanceof GpioUnavailableError ? EXIT_UNAVAILABLE : 1;
  }
  if (args.off || shutdown.requested) {
    await driver.close();
    logger.info({ driver: driver.name, why: shutdown.requested?.why ?? '--off' }, 'light forced off and line released');
    shutdown.dispose();
    return shutdown.requested?.code ?? 0;
  }
  const client = await startAlarmClient({ config, logger, driver });
  logger.info(
    { driver: driver.name, aggregator: config.aggregator.url, pin: config.pin, activeLow: config.activeLow },
    'propwatch-alarm started',
  );
  return stopOnShutdown(client, logger, await shutdown.next);
}

async function pollOnce(config: AlarmPiConfig, io: MainIo): Promise<number> {
  const result = await createStatusFetcher({
    url: config.aggregator.url,
    readToken: config.aggregator.readToken,
    timeoutMs: config.aggregator.timeoutMs,
  })();
  if (!result.ok) {
    io.stdout.write(`unreachable: ${terminalText(result.reason)}\n`);
    return 2;
  }
  io.stdout.write(`${result.status.state}: ${terminalText(result.status.reason)}\n`);
  return result.status.state === 'ok' ? 0 : result.status.state === 'alarm' ? 1 : 2;
}

interface ShutdownRequest {
  code: number;
  why: string;
  error?: unknown;
}

/** Installs the signal and crash handlers; `next` resolves with the first request, `requested` holds it once made. */
function listenForShutdown(): {
  next: Promise<ShutdownRequest>;
  requested: ShutdownRequest | undefined;
  dispose(): void;
} {
  const handlers: Array<[string, (...args: unknown[]) => void]> = [];
  const state = {
    requested: undefined as ShutdownRequest | undefined,
    next: undefined as unknown as Promise<ShutdownRequest>,
    dispose: () => handlers.forEach(([event, handler]) => process.removeListener(event, handler)),
  };
  state.next = new Promise((resolve) => {
    const request = (shutdown: ShutdownRequest) => {
      if (state.requested) return;
      state.requested = shutdown;
      resolve(shutdown);
    };
    handlers.push(
      ['SIGTERM', () => request({ code: 0, why: 'SIGTERM' })],
      ['SIGINT', () => request({ code: 0, why: 'SIGINT' })],
      ['uncaughtException', (error) => request({ code: 1, why: 'uncaught exception', error })],
      ['unhandledRejection', (error) => request({ code: 1, why: 'unhandled rejection', error })],
    );
    for (const [event, handler] of handlers) process.once(event, handler);
  });
  return state;
}

/** Turns the light off and releases the line; resolves with the exit code. */
async function stopOnShutdown(client: AlarmClient, logger: Logger, request: ShutdownRequest): Promise<number> {
  if (request.error) logger.fatal({ err: request.error }, `${request.why}: turning the light off`);
  else logger.info({ why: request.why }, 'shutting down: turning the light off');
  // If the driver hangs, do not hang with it; systemd/Docker will restart us and the next start forces the line off.
  const guard = new Promise<number>((resolve) => setTimeout(() => resolve(request.code || 1), 5_000).unref());
  const stopped = client.stop().then(
    () => request.code,
    (stopError: unknown) => {
      logger.error({ err: stopError }, 'could not release the line cleanly');
      return request.code || 1;
    },
  );
  return Promise.race([stopped, guard]);
}
