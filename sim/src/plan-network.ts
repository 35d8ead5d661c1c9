/**
 * What a network will be, decided before any socket opens: the resolved
 * options, the POPs, the anycast addresses and the vantages with their
 * reroutes. Every check of the options runs here, so the CLI can refuse a
 * bad config (an unknown vantage in a reroute, a POP that does not exist)
 * as a config error before it starts anything.
 */
import { type AnycastSpec, resolveAnycast } from './anycast-addresses.js';
import { planReroutes, type RerouteSpec } from './reroutes.js';
import { type ResolvedSimOptions, type SimNetworkOptions, resolveSimOptions } from './sim-options.js';
import { type PopDefinition, resolvePops } from './topology.js';
import { type VantageDefinition, resolveVantages } from './vantages.js';

export interface NetworkPlan {
  opts: ResolvedSimOptions;
  pops: PopDefinition[];
  anycast: AnycastSpec[];
  /** The vantages with the reroutes that apply from the start already in their catchments. */
  vantages: VantageDefinition[];
  /** Reroutes with a time, earliest first. */
  scheduled: RerouteSpec[];
}

/** Resolves and checks `options`; throws an Error naming the option at the first problem. */
export function planNetwork(options: SimNetworkOptions): NetworkPlan {
  const opts = resolveSimOptions(options);
  const pops = resolvePops(options);
  const anycast = resolveAnycast(
    options.anycast,
    pops.map((def) => def.name),
  );
  const { vantages, scheduled } = planReroutes(opts.reroutes, resolveVantages(options, pops, anycast), anycast, pops);
  return { opts, pops, anycast, vantages, scheduled };
}
