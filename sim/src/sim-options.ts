/** Options of startSimNetwork(), their defaults and up-front validation. */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock, Logger } from '@propwatch/shared';
import type { PopFault } from './faults.js';
import { validateFault } from './faults.js';
import { DEFAULT_PROPAGATION, type PropagationSettings, type RegionHops } from './propagation-model.js';
import type { AnycastSpec } from './anycast-addresses.js';
import { MAX_REROUTES, type RerouteSpec } from './reroutes.js';
import { type TopologyOptions, isLoopback, LOOPBACK_ONLY } from './topology.js';
import type { VantageOptions } from './vantages.js';

export interface SimNetworkOptions extends TopologyOptions, VantageOptions {
  /** Zone served by every POP. Default `propwatch.test`. */
  zone?: string;
  /** Cloudflare-style 32-hex zone id. Default: derived from zone and seed. */
  zoneId?: string;
  /** Bearer token of the provider API. Default: random. */
  apiToken?: string;
  /** Bearer token of /admin. Default: the API token. */
  adminToken?: string;
  /** Seed of every random draw (delays, flaky drops). Default 1. */
  seed?: number;
  /** Multiplies every propagation delay (tests use 0.01–0.05). Default 1. */
  timeScale?: number;
  /** Address of the HTTP API: loopback unless `allowNonLoopback`. Default 127.0.0.1. */
  apiHost?: string;
  /** HTTP port; 0 = random. Default 0. */
  apiPort?: number;
  /** Faults present from the start, by POP name. */
  faults?: Record<string, PopFault>;
  /** Per-region hop distributions, merged over DEFAULT_PROPAGATION. */
  propagation?: { regions?: Record<string, RegionHops>; defaultRegion?: RegionHops };
  /** SOA serial of version 0; version n has initialSerial + n. Default 1. */
  initialSerial?: number;
  /** Lowest accepted TTL other than 1 (automatic). Default 30 (Cloudflare Enterprise; 60 on other plans). */
  minTtl?: number;
  /**
   * Zone versions remembered (ground truth, planned delays, snapshots); older
   * ones are forgotten so a long run stays flat in memory. Default 5000.
   */
  historyVersions?: number;
  /** Anycast addresses announced by every POP: `'default'` (ns1 127.0.53.1, ns2 127.0.53.2), `'none'` or a list. */
  anycast?: readonly AnycastSpec[] | 'default' | 'none';
  /** Port of every anycast address (UDP and TCP); 0 = one free port shared by all. Default 0. */
  anycastPort?: number;
  /**
   * Whether a query to a POP's unicast address from a vantage's source crosses
   * that vantage's path too (RTT, jitter, loss). Default true.
   */
  vantagesOnUnicast?: boolean;
  /** Exchanges one vantage may have in flight; beyond them queries are dropped and counted. Default 4096. */
  maxPendingPerVantage?: number;
  /** Bytes of queries and answers one vantage may have in flight. Default 8 MiB. */
  maxPendingBytesPerVantage?: number;
  /** Answered queries the ground truth remembers (a ring). Default 10000. */
  answerLogSize?: number;
  /** `vantage:address=POP` (catchment from the start) or `…@30s` (moved at that time after start), or objects. */
  reroutes?: readonly (RerouteSpec | string)[];
  logger?: Logger;
  /** Monotonic time of propagation and ground truth; tests pass a fake. */
  clock?: Pick<Clock, 'monotonicNow'>;
}

export interface ResolvedSimOptions {
  zone: string;
  zoneId: string;
  apiToken: string;
  adminToken: string;
  seed: number;
  timeScale: number;
  apiHost: string;
  apiPort: number;
  faults: Record<string, PopFault>;
  propagation: PropagationSettings;
  initialSerial: number;
  minTtl: number;
  historyVersions: number;
  anycastPort: number;
  vantagesOnUnicast: boolean;
  maxPendingPerVantage: number;
  maxPendingBytesPerVantage: number;
  answerLogSize: number;
  /** As given; planReroutes parses and checks them against the network. */
  reroutes: Array<RerouteSpec | string>;
}

const ZONE_RE = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function resolveSimOptions(options: SimNetworkOptions): ResolvedSimOptions {
  const zone = (options.zone ?? 'propwatch.test').toLowerCase().replace(/\.$/, '');
  if (!ZONE_RE.test(zone))
    throw new Error(`zone ${JSON.stringify(options.zone)}: expected a domain name such as propwatch.test`);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new Error(`seed ${seed}: expected an integer from 0 to 4294967295`);
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale >= 0 && timeScale <= 1000))
    throw new Error(`timeScale ${timeScale}: expected a number from 0 to 1000`);
  const zoneId = options.zoneId ?? createHash('sha256').update(`${zone}:${seed}`).digest('hex').slice(0, 32);
  if (!/^[0-9a-f]{32}$/.test(zoneId))
    throw new Error(`zoneId ${JSON.stringify(zoneId)}: expected 32 lower-case hex characters`);
  const apiToken = options.apiToken ?? randomBytes(20).toString('hex');
  if (apiToken.length < 8 || /\s/.test(apiToken))
    throw new Error('apiToken: expected at least 8 characters without spaces');
  const adminToken = options.adminToken ?? apiToken;
  if (adminToken.length < 8 || /\s/.test(adminToken))
    throw new Error('adminToken: expected at least 8 characters without spaces');
  const apiHost = options.apiHost ?? '127.0.0.1';
  if (!isLoopback(apiHost) && !options.allowNonLoopback)
    throw new Error(`apiHost ${JSON.stringify(apiHost)}: ${LOOPBACK_ONLY}`);
  const apiPort = options.apiPort ?? 0;
  if (!Number.isInteger(apiPort) || apiPort < 0 || apiPort > 65535)
    throw new Error(`apiPort ${apiPort}: expected 0..65535`);
  const initialSerial = options.initialSerial ?? 1;
  if (!Number.isInteger(initialSerial) || initialSerial < 0 || initialSerial > 0xffffffff)
    throw new Error(`initialSerial ${initialSerial}: expected 0..4294967295`);
  const minTtl = options.minTtl ?? 30;
  if (!Number.isInteger(minTtl) || minTtl < 2 || minTtl > 86400)
    throw new Error(`minTtl ${minTtl}: expected an integer from 2 to 86400`);
  const historyVersions = options.historyVersions ?? 5000;
  if (!Number.isInteger(historyVersions) || historyVersions < 10 || historyVersions > 10_000_000)
    throw new Error(`historyVersions ${historyVersions}: expected an integer from 10 to 10000000`);
  const anycastPort = integerIn(options.anycastPort ?? 0, 'anycastPort', 0, 65535);
  const vantagesOnUnicast = options.vantagesOnUnicast ?? true;
  if (typeof vantagesOnUnicast !== 'boolean')
    throw new Error(`vantagesOnUnicast ${JSON.stringify(vantagesOnUnicast)}: expected true or false`);
  const maxPendingPerVantage = integerIn(options.maxPendingPerVantage ?? 4096, 'maxPendingPerVantage', 1, 1_000_000);
  const maxPendingBytesPerVantage = integerIn(
    options.maxPendingBytesPerVantage ?? 8 * 1024 * 1024,
    'maxPendingBytesPerVantage',
    65_536,
    1024 * 1024 * 1024,
  );
  const answerLogSize = integerIn(options.answerLogSize ?? 10_000, 'answerLogSize', 1, 1_000_000);
  const rerouteList = options.reroutes ?? [];
  if (rerouteList.length > MAX_REROUTES)
    throw new Error(`reroutes: ${rerouteList.length} entries, at most ${MAX_REROUTES}`);
  const reroutes = [...rerouteList];
  const faults: Record<string, PopFault> = {};
  for (const [pop, fault] of Object.entries(options.faults ?? {}))
    faults[pop.toUpperCase()] = validateFault(fault, `faults.${pop}`);
  const propagation: PropagationSettings = {
    regions: { ...DEFAULT_PROPAGATION.regions, ...(options.propagation?.regions ?? {}) },
    defaultRegion: options.propagation?.defaultRegion ?? DEFAULT_PROPAGATION.defaultRegion,
  };
  return {
    zone,
    zoneId,
    apiToken,
    adminToken,
    seed,
    timeScale,
    apiHost,
    apiPort,
    faults,
    propagation,
    initialSerial,
    minTtl,
    historyVersions,
    anycastPort,
    vantagesOnUnicast,
    maxPendingPerVantage,
    maxPendingBytesPerVantage,
    answerLogSize,
    reroutes,
  };
}

function integerIn(value: unknown, key: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new Error(`${key} ${JSON.stringify(value)}: expected an integer from ${min} to ${max}`);
  return value;
}
