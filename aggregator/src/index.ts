export { build, type BuildOptions } from './app.js';
export { AggregatorConfigSchema, type AggregatorConfig, loadAggregatorConfig, checkConfig } from './config.js';
export { resolveConfig } from './resolve-config.js';
export type { RoundStore, StoredRound, UpsertResult, ProbeRecord, SeriesRecord } from './storage/round-store.js';
export { SqliteRoundStore } from './storage/sqlite-store.js';
export {
  evaluateStatus,
  observeCurrent,
  type ProbeView,
  type StatusSettings,
  type StatusEvaluation,
} from './status/evaluate-status.js';
export type { PopBreach } from './status/pop-breaches.js';
export { StatusTracker, type StatusChange } from './status/status-tracker.js';
export { summarizePropagation, type PropagationSummary } from './analysis/propagation-summary.js';
export { observeRound, type Observation } from './analysis/observations.js';
export { computePercentiles, type Percentiles } from './analysis/percentiles.js';
export type { WebhookPayload } from './notify/webhook-payload.js';
export { aggregatorCommand } from './run-cli.js';
