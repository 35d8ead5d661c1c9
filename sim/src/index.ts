export { startSimNetwork, type SimAnycastAddress, type SimNetwork, type SimPop } from './network.js';
export type { SimNetworkOptions } from './sim-options.js';
export { type PopFault, FAULT_KINDS, parseFaultArg, validateFault } from './faults.js';
export { GroundTruth, type CommitEntry, type ServedEntry } from './ground-truth.js';
export type { Moment } from './moment.js';
export {
  DEFAULT_PROPAGATION,
  PropagationModel,
  type PropagationSettings,
  type RegionHops,
  type PropagationPlan,
} from './propagation-model.js';
export type { HopDistribution } from './hop-distribution.js';
export {
  DEFAULT_NSID_TEMPLATE,
  DEFAULT_POP_NAMES,
  DEFAULT_POP_REGIONS,
  nsidPatternFor,
  type PopSpec,
  type PopDefinition,
} from './topology.js';
export { DEFAULT_ANYCAST, type AnycastSpec } from './anycast-addresses.js';
export {
  DEFAULT_VANTAGE,
  DEFAULT_VANTAGES,
  type DefaultVantage,
  type VantageDefinition,
  type VantageSpec,
} from './vantages.js';
export { RerouteError, type RerouteEvent, type VantageCounters, type VantageStatus } from './vantage-table.js';
export { parseRerouteArg, type RerouteSpec } from './reroutes.js';
export { AnswerLog, type AnsweredQuery, type AnswerFilter, type AnswerPage } from './answer-log.js';
export type { PlannedDelay } from './propagator.js';
export { UnknownPopError } from './propagator.js';
export type { ApiFault, PopStatus } from './api/api-deps.js';
export { spreadPops } from './spread-pops.js';
export { simCommand } from './cli-command.js';
