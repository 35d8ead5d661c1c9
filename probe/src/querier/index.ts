export { Querier, monotonicNow } from './querier.js';
export type { QuerierOptions, QueryOptions } from './querier.js';
export { checkCanary, judgeCanary } from './canary-check.js';
export type { CanaryCheck, CanarySpec } from './canary-check.js';
export { identifyByChaos } from './chaos-identity.js';
export type { ChaosIdentity, ChaosOptions } from './chaos-identity.js';
export { discoverTargets } from './discover-targets.js';
export type { DiscoveredTarget, DiscoverOptions, Discovery } from './discover-targets.js';
export { FAILURE_REASONS, emptyStats } from './results.js';
export type {
  FailureReason,
  QuerierStats,
  QueryAnswer,
  QueryFailure,
  QueryResult,
  QueryTarget,
  Transport,
} from './results.js';
