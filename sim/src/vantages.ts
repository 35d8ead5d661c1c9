/**
 * Vantages: where a probe sits. A vantage is known by the source addresses
 * its probes bind to, reaches one POP per anycast address (its catchment),
 * and sees every exchange after its round-trip time plus seeded jitter.
 * This file holds the defaults and the validation (pure); vantage-table.ts
 * holds them at run time.
 */
import { isIP } from 'node:net';
import type { AnycastSpec } from './anycast-addresses.js';
import { type PopDefinition, DEFAULT_POP_REGIONS, isLoopback } from './topology.js';

/** Array.isArray without its `any[]`: narrows a readonly list type to itself. */
const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);

/** A vantage as the caller describes it. */
export interface VantageSpec {
  /** e.g. `eu-west` (lower-cased); `default` configures the vantage of unknown sources. */
  name: string;
  /** Source addresses of its probes (loopback). The `default` vantage has none. */
  sources?: readonly string[];
  /** Round-trip time to every POP it reaches (ms); the floor, jitter only adds. Default 0. */
  rttMs?: number;
  /** Up to this much (ms) is added to one exchange, half on each way, from a seeded stream. Default 0. */
  jitterMs?: number;
  /** Fraction of UDP queries lost on the way; default the global `udpLossRate`. */
  udpLossRate?: number;
  /** Anycast address name → POP. Every anycast address needs one (a default vantage falls back, see below). */
  catchment?: Readonly<Record<string, string>>;
}

/** A vantage after defaults and validation. */
export interface VantageDefinition {
  name: string;
  sources: string[];
  rttMs: number;
  jitterMs: number;
  udpLossRate: number;
  /** Anycast address name → POP name. */
  catchment: Record<string, string>;
}

/** The vantage of every source no vantage lists. */
export const DEFAULT_VANTAGE = 'default';
export const MAX_VANTAGES = 64;
export const MAX_SOURCES_PER_VANTAGE = 64;
export const MAX_RTT_MS = 10_000;

/** A default vantage: its catchment is chosen from `prefer` on whatever POPs the network has. */
export interface DefaultVantage {
  name: string;
  sources: readonly string[];
  rttMs: number;
  jitterMs: number;
  /** The POP of the first anycast address, of the second, … (cycling). */
  prefer: readonly string[];
}

/**
 * The default five, RTTs spread 5–250 ms. Ten POPs are reached, so the
 * default fourteen leave ORD, FRA, CDG and SYD in no catchment: blind spots,
 * as every real fleet has. ap-south shows anycast's known inefficiency: its
 * upstream carries it to Singapore and Tokyo the long way round.
 */
export const DEFAULT_VANTAGES: readonly DefaultVantage[] = [
  { name: 'us-west', sources: ['127.0.1.1'], rttMs: 5, jitterMs: 1, prefer: ['SJC', 'LAX'] },
  { name: 'us-east', sources: ['127.0.1.2'], rttMs: 20, jitterMs: 3, prefer: ['IAD', 'EWR'] },
  { name: 'me-central', sources: ['127.0.1.3'], rttMs: 80, jitterMs: 8, prefer: ['LHR', 'AMS'] },
  { name: 'sa-east', sources: ['127.0.1.4'], rttMs: 150, jitterMs: 12, prefer: ['MIA', 'DFW'] },
  { name: 'ap-south', sources: ['127.0.1.5'], rttMs: 250, jitterMs: 20, prefer: ['SIN', 'NRT'] },
];

export interface VantageOptions {
  /** `'default'` (or absent): DEFAULT_VANTAGES; `'none'`: only the `default` vantage; or a list. */
  vantages?: readonly VantageSpec[] | 'default' | 'none';
  /** Loss of every vantage that does not set its own. Default 0. */
  udpLossRate?: number;
}

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;

export function resolveVantages(
  options: VantageOptions,
  pops: readonly PopDefinition[],
  anycast: readonly AnycastSpec[],
): VantageDefinition[] {
  const loss = checkFraction(options.udpLossRate ?? 0, 'udpLossRate');
  const spec = options.vantages ?? 'default';
  const given: VantageSpec[] =
    spec === 'default'
      ? DEFAULT_VANTAGES.map(({ prefer, ...v }) => ({ ...v, catchment: preferredCatchment(prefer, pops, anycast) }))
      : spec === 'none'
        ? []
        : isList(spec)
          ? [...spec]
          : fail(`vantages ${JSON.stringify(spec)}: expected "default", "none" or a list of vantages`);
  if (given.length > MAX_VANTAGES) fail(`vantages: ${given.length} vantages, at most ${MAX_VANTAGES}`);
  const sources = new Map<string, string>();
  const resolved = given.map((vantage, index) => checkVantage(vantage, `vantages[${index}]`, pops, anycast, loss));
  const names = new Set<string>();
  resolved.forEach((vantage, index) => {
    if (names.has(vantage.name)) fail(`vantages[${index}].name ${vantage.name} appears twice`);
    names.add(vantage.name);
    for (const source of vantage.sources) {
      const other = sources.get(source);
      if (other) fail(`vantages[${index}].sources: ${source} is already a source of ${other}`);
      sources.set(source, vantage.name);
    }
  });
  if (!names.has(DEFAULT_VANTAGE))
    resolved.push({
      name: DEFAULT_VANTAGE,
      sources: [],
      rttMs: 0,
      jitterMs: 0,
      udpLossRate: loss,
      catchment: defaultCatchment(pops, anycast),
    });
  return resolved;
}

function checkVantage(
  spec: VantageSpec,
  where: string,
  pops: readonly PopDefinition[],
  anycast: readonly AnycastSpec[],
  globalLoss: number,
): VantageDefinition {
  if (typeof spec !== 'object' || spec === null) fail(`${where}: expected an object {name, sources, rttMs, catchment}`);
  const name = typeof spec.name === 'string' ? spec.name.toLowerCase() : '';
  if (!NAME_RE.test(name))
    fail(`${where}.name ${JSON.stringify(spec.name)}: expected letters, digits and dashes (at most 32), e.g. eu-west`);
  const sources = (spec.sources ?? []).map((source, i) => normalizeSource(source, `${where}.sources[${i}]`));
  if (name === DEFAULT_VANTAGE && sources.length > 0)
    fail(`${where}: the default vantage is the one of unknown sources; it takes no sources`);
  if (sources.length > MAX_SOURCES_PER_VANTAGE)
    fail(`${where}.sources: ${sources.length} addresses, at most ${MAX_SOURCES_PER_VANTAGE}`);
  return {
    name,
    sources,
    rttMs: checkMs(spec.rttMs ?? 0, `${where}.rttMs`),
    jitterMs: checkMs(spec.jitterMs ?? 0, `${where}.jitterMs`),
    udpLossRate: checkFraction(spec.udpLossRate ?? globalLoss, `${where}.udpLossRate`),
    catchment: checkCatchment(
      // The default vantage may name only the addresses it moves; the others keep the default rule.
      name === DEFAULT_VANTAGE ? { ...defaultCatchment(pops, anycast), ...spec.catchment } : (spec.catchment ?? {}),
      `${where}.catchment`,
      pops,
      anycast,
    ),
  };
}

/** The `default` vantage's catchment: address i → POP i (cycling), so ns1 → the first POP, ns2 → the second. */
function defaultCatchment(pops: readonly PopDefinition[], anycast: readonly AnycastSpec[]): Record<string, string> {
  return Object.fromEntries(anycast.map((a, i) => [a.name, pops[i % pops.length]!.name]));
}

function checkCatchment(
  catchment: Readonly<Record<string, string>>,
  where: string,
  pops: readonly PopDefinition[],
  anycast: readonly AnycastSpec[],
): Record<string, string> {
  const addressNames = anycast.map((a) => a.name);
  const result: Record<string, string> = {};
  for (const [key, pop] of Object.entries(catchment)) {
    const address = key.toLowerCase();
    if (!addressNames.includes(address))
      fail(`${where}.${key}: no anycast address ${key}; addresses: ${addressNames.join(', ') || '(none)'}`);
    result[address] = checkPop(pop, `${where}.${key}`, pops);
  }
  const missing = addressNames.filter((address) => !(address in result));
  if (missing.length > 0)
    fail(`${where}: no POP for ${missing.join(', ')} (every anycast address needs one: ${addressNames.join(', ')})`);
  return result;
}

/** An upper-cased POP name that exists, or an error listing those that do. */
export function checkPop(pop: unknown, where: string, pops: readonly { name: string }[]): string {
  const name = typeof pop === 'string' ? pop.toUpperCase() : '';
  if (!pops.some((p) => p.name === name))
    fail(`${where}: unknown POP ${JSON.stringify(pop)}; POPs: ${pops.map((p) => p.name).join(', ')}`);
  return name;
}

/**
 * A default vantage's catchment on whatever POPs the network has: the
 * preferred POP, or else the first POP of its region (na, eu, apac), or else
 * the first POP.
 */
function preferredCatchment(
  prefer: readonly string[],
  pops: readonly PopDefinition[],
  anycast: readonly AnycastSpec[],
): Record<string, string> {
  const pick = (wanted: string): string =>
    (pops.find((p) => p.name === wanted) ?? pops.find((p) => p.region === DEFAULT_POP_REGIONS[wanted]) ?? pops[0]!)
      .name;
  return Object.fromEntries(anycast.map((a, i) => [a.name, pick(prefer[i % prefer.length]!)]));
}

/** `::ffff:127.0.1.1` (an IPv4 peer seen through a dual-stack socket) is 127.0.1.1. */
export function normalizeSource(address: string, where = 'source'): string {
  const plain = typeof address === 'string' ? address.replace(/^::ffff:/i, '') : '';
  if (isIP(plain) === 0 || !isLoopback(plain))
    fail(`${where} ${JSON.stringify(address)}: expected a loopback address (127.0.0.0/8 or ::1) a probe can bind to`);
  return plain === '0:0:0:0:0:0:0:1' ? '::1' : plain;
}

function checkMs(value: unknown, where: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= MAX_RTT_MS))
    fail(`${where} ${JSON.stringify(value)}: expected a number of ms from 0 to ${MAX_RTT_MS}`);
  return value;
}

function checkFraction(value: unknown, where: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1))
    fail(`${where} ${JSON.stringify(value)}: expected a fraction from 0 to 1`);
  return value;
}

function fail(message: string): never {
  throw new Error(message);
}
