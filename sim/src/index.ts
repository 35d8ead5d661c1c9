export { startSimNetwork, type SimNetwork, type SimPop } from './network.js';
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
export { DEFAULT_POP_NAMES, DEFAULT_POP_REGIONS, type PopSpec, type PopDefinition } from './topology.js';
export type { PlannedDelay } from './propagator.js';
export { UnknownPopError } from './propagator.js';
export type { ApiFault, PopStatus } from './api/api-deps.js';
