export {
  AlarmPiConfigSchema,
  DRIVER_NAMES,
  PatternSchema,
  aggregatorUrls,
  loadAlarmConfig,
  type AlarmPiConfig,
  type DriverName,
  type LoadAlarmConfigOptions,
  type Pattern,
} from './config.js';
export { BEACON_STATES, patternFor, type BeaconPatterns, type BeaconState } from './beacon-state.js';
export { BeaconMachine, LAMP_TEST_MS, type BeaconMachineOptions } from './beacon-machine.js';
export { backoffDelayMs } from '@propwatch/shared';
export { PollLoop, stepPoll, type PollOptions, type PollReport } from './poll-loop.js';
export { createStatusFetcher, statusUrl, type FetchResult, type StatusFetcherOptions } from './status-fetcher.js';
export { readStatusBody } from './status-body.js';
export { createFailoverFetcher } from './failover-fetcher.js';
export { SseParser, DEFAULT_SSE_LIMITS, type SseItem, type SseError, type SseLimits } from './stream/sse-parser.js';
export { runStreamConnection, streamUrl, type StreamEnd, type StreamHandlers } from './stream/stream-connection.js';
export { StreamLoop, type StreamEvents, type StreamLoopOptions } from './stream/stream-loop.js';
export { startAlarmClient, type AlarmClient, type AlarmClientOptions } from './alarm-client.js';
export * from './drivers/index.js';
export { alarmCommand } from './main.js';
