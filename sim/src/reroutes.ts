/**
 * The `reroute` fault as text: `eu-west:ns1=AMS` sets a catchment from the
 * start, `eu-west:ns1=AMS@30s` moves it 30 s after the sim started (wall
 * time, not scaled: a reroute is a routing event, not a propagation delay).
 */
import type { Logger } from '@propwatch/shared';
import type { AnycastSpec } from './anycast-addresses.js';
import type { VantageTable } from './vantage-table.js';
import { type VantageDefinition, checkPop } from './vantages.js';

export interface RerouteSpec {
  vantage: string;
  /** Anycast address name, e.g. `ns1`. */
  address: string;
  pop: string;
  /** Milliseconds after start; absent = the catchment from the start. */
  atMs?: number;
}

/** A scheduled reroute fires within a day of the start (a Node timer holds at most ~24.8 days anyway). */
export const MAX_REROUTE_AT_MS = 86_400_000;
export const MAX_REROUTES = 1000;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };
const SHAPE = /^([A-Za-z0-9-]+):([A-Za-z0-9-]+)=([A-Za-z0-9-]+)(?:@([0-9]+(?:\.[0-9]+)?)(ms|s|m)?)?$/;

/**
 * Parses `vantage:address=POP[@time]` (time in ms, s or m; a bare number is
 * seconds). Names are checked later, against the network (planReroutes).
 */
export function parseRerouteArg(text: string): RerouteSpec {
  const match = SHAPE.exec(text.trim());
  if (!match)
    throw new Error(
      `reroute ${JSON.stringify(text)}: expected vantage:address=POP or vantage:address=POP@time, ` +
        'e.g. eu-west:ns1=AMS@30s',
    );
  const [, vantage, address, pop, amount, unit] = match;
  const spec: RerouteSpec = {
    vantage: vantage!.toLowerCase(),
    address: address!.toLowerCase(),
    pop: pop!.toUpperCase(),
  };
  if (amount === undefined) return spec;
  const atMs = Number(amount) * UNITS[unit ?? 's']!;
  if (atMs > MAX_REROUTE_AT_MS)
    throw new Error(`reroute ${JSON.stringify(text)}: the time must be at most 24 h after the start`);
  return { ...spec, atMs };
}

/**
 * Checks every reroute against the network (unknown vantage, address or POP
 * is an error at start, not a surprise 30 s in), applies those without a
 * time to the starting catchments, and returns the scheduled ones by time.
 */
export function planReroutes(
  specs: readonly (RerouteSpec | string)[],
  vantages: readonly VantageDefinition[],
  anycast: readonly AnycastSpec[],
  pops: readonly { name: string }[],
): { vantages: VantageDefinition[]; scheduled: RerouteSpec[] } {
  if (specs.length > MAX_REROUTES) throw new Error(`reroutes: ${specs.length} entries, at most ${MAX_REROUTES}`);
  const result = vantages.map((v) => ({ ...v, catchment: { ...v.catchment } }));
  const scheduled: RerouteSpec[] = [];
  specs.forEach((given, index) => {
    const spec = typeof given === 'string' ? parseRerouteArg(given) : given;
    const where = `reroutes[${index}] ${typeof given === 'string' ? JSON.stringify(given) : ''}`.trimEnd();
    const vantage = result.find((v) => v.name === spec.vantage.toLowerCase());
    if (!vantage)
      throw new Error(`${where}: unknown vantage ${spec.vantage}; vantages: ${result.map((v) => v.name).join(', ')}`);
    const address = anycast.find((a) => a.name === spec.address.toLowerCase());
    if (!address)
      throw new Error(
        `${where}: unknown anycast address ${spec.address}; ` +
          `addresses: ${anycast.map((a) => a.name).join(', ') || '(none)'}`,
      );
    const pop = checkPop(spec.pop, where, pops);
    if (spec.atMs !== undefined && !(spec.atMs >= 0 && spec.atMs <= MAX_REROUTE_AT_MS))
      throw new Error(`${where}: atMs ${spec.atMs}: expected 0 to ${MAX_REROUTE_AT_MS} ms after the start`);
    const checked = { vantage: vantage.name, address: address.name, pop };
    if (spec.atMs === undefined) vantage.catchment[address.name] = pop;
    else scheduled.push({ ...checked, atMs: spec.atMs });
  });
  return { vantages: result, scheduled: scheduled.sort((a, b) => a.atMs! - b.atMs!) };
}

/** Arms a timer per scheduled reroute (ms after now); returns what cancels those not yet fired. */
export function scheduleReroutes(
  scheduled: readonly RerouteSpec[],
  vantages: VantageTable,
  logger: Logger | undefined,
): () => void {
  const timers = new Set<NodeJS.Timeout>();
  for (const step of scheduled) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      // Not inside logger?.info(…): without a logger, optional chaining would skip the reroute itself.
      const event = vantages.reroute(step.vantage, step.address, step.pop, 'schedule');
      logger?.info(event, 'catchment moved');
    }, step.atMs ?? 0);
    timers.add(timer);
  }
  return () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
}
