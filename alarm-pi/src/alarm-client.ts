/**
 * Wires the status stream, the poll loop (while the stream is down), the
 * beacon state machine and a driver together. No
 * process-level concerns here (signals, exit codes): those are in main.ts.
 */
import { type Clock, EndpointList, type Logger, maskUrl, systemClock } from '@propwatch/shared';
import { aggregatorUrls, type AlarmPiConfig } from './config.js';
import { BeaconMachine } from './beacon-machine.js';
import type { BeaconState } from './beacon-state.js';
import type { BeaconDriver } from './drivers/driver.js';
import { createHealthFile } from './health-file.js';
import { PollLoop, type PollReport } from './poll-loop.js';
import { createFailoverFetcher } from './failover-fetcher.js';
import { StreamLoop } from './stream/stream-loop.js';

export interface AlarmClientOptions {
  config: AlarmPiConfig;
  logger: Logger;
  driver: BeaconDriver;
  fetch?: typeof fetch;
  /** Monotonic time and timers of the beacon and the poll loop; tests pass fake ones. */
  clock?: Pick<Clock, 'monotonicNow' | 'setTimeout' | 'clearTimeout'>;
  random?: () => number;
}

export interface AlarmClient {
  /** The last reported state, undefined before the first poll finished. */
  readonly state: BeaconState | undefined;
  /** Stops polling, turns the light off and releases the line. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startAlarmClient(options: AlarmClientOptions): Promise<AlarmClient> {
  const { config, logger, driver } = options;
  const clock = options.clock ?? systemClock;
  // Driver calls are serialised: an async driver (gpioset) must never see
  // "on" overtake a still-running "off".
  let chain: Promise<void> = Promise.resolve();
  const output = (on: boolean) => {
    chain = chain
      .then(() => driver.set(on))
      .then(
        () => logger.debug({ on }, 'beacon output'),
        (error: unknown) => logger.error({ err: error, on }, 'beacon driver failed to switch the light'),
      );
  };
  // Whatever a previous (crashed) run left behind, start dark.
  await driver.set(false);

  const machine = new BeaconMachine(
    {
      patterns: config.beacon.patterns,
      minOnMs: config.beacon.minOnMs,
      quiet: config.beacon.quiet,
      lampTest: config.beacon.lampTest,
    },
    output,
    clock,
  );
  let state: BeaconState | undefined;
  const health = config.healthFile
    ? createHealthFile(config.healthFile, (error) =>
        logger.warn({ err: error, file: config.healthFile }, 'cannot write the health file'),
      )
    : undefined;
  const onReport = (report: PollReport) => {
    if (report.consecutiveFailures === 0) health?.mark(report.state);
    if (report.state !== state) {
      logger.info(
        { from: state ?? null, to: report.state, reason: report.reason, failures: report.consecutiveFailures },
        'beacon state changed',
      );
      state = report.state;
      driver.note?.(report.state, report.reason);
    }
    if (report.consecutiveFailures > 0)
      logger.warn(
        { failures: report.consecutiveFailures, retryInMs: report.nextPollMs, reason: report.reason },
        'status poll failed',
      );
    machine.update(report.state);
  };
  const endpoints = new EndpointList(aggregatorUrls(config), { monotonicNow: () => clock.monotonicNow() });
  const access = {
    readToken: config.aggregator.readToken,
    timeoutMs: config.aggregator.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const fetcher = createFailoverFetcher(endpoints, access, (from, to, reason) =>
    logger.warn({ from, to, reason }, 'aggregator failed: trying the next URL'),
  );
  const loop = new PollLoop(config.poll, fetcher, onReport, clock, options.random);
  // The stream, when it is up, is the only source; while it is down (or before its first event) the poller runs.
  let streaming = false;
  let saidNotOpen = false;
  const stream = config.stream.enabled
    ? new StreamLoop(
        {
          endpoints,
          ...access,
          silenceMs: config.stream.silenceMs,
          backoffBaseMs: config.poll.backoffBaseMs,
          backoffMaxMs: config.poll.backoffMaxMs,
          clock,
          ...(options.random ? { random: options.random } : {}),
        },
        {
          status: (status, first) => {
            const report = loop.observe(status);
            if (first && !streaming) {
              streaming = true;
              loop.stop();
              logger.info({ aggregator: maskUrl(endpoints.currentUrl) }, 'status stream open: polling paused');
            }
            onReport(report);
          },
          heartbeat: () => {
            if (state !== undefined && state !== 'unreachable') health?.mark(state);
          },
          down: (end, retryInMs) => {
            const wasStreaming = streaming;
            streaming = false;
            if (wasStreaming) {
              logger.warn({ reason: end.reason, retryInMs }, 'status stream lost: polling until it is back');
              loop.start();
            } else if (!saidNotOpen) {
              // Said once (an aggregator older than the stream route, a refused token), then a debug line per attempt.
              logger.info({ reason: end.reason, retryInMs }, 'status stream not open: polling');
              saidNotOpen = true;
            } else logger.debug({ reason: end.reason, retryInMs }, 'status stream not open');
          },
        },
      )
    : undefined;
  machine.start();
  loop.start();
  stream?.start();

  let stopping: Promise<void> | undefined;
  return {
    get state() {
      return state;
    },
    stop() {
      stopping ??= (async () => {
        loop.stop();
        await stream?.stop();
        machine.stop();
        await chain;
        await driver.close();
      })();
      return stopping;
    },
  };
}
