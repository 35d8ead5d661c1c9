/**
 * The anycast service addresses: each announced by every POP, served in the
 * sim by one socket pair (UDP and TCP) that hands a query to the POP the
 * sender's vantage reaches (its catchment). The per-POP unicast addresses
 * stay beside them.
 */
import { isIP } from 'node:net';
import { isLoopback } from './topology.js';

/** Array.isArray without its `any[]`: narrows a readonly list type to itself. */
const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);

/** An anycast address as the caller describes it. */
export interface AnycastSpec {
  /** What probes call the target, e.g. `ns1` (lower-cased). */
  name: string;
  /** Loopback address (127.0.0.0/8 or ::1). */
  address: string;
}

/** Two addresses, like a provider's `ns1`/`ns2`, on a loopback range nothing else in the sim uses. */
export const DEFAULT_ANYCAST: readonly AnycastSpec[] = [
  { name: 'ns1', address: '127.0.53.1' },
  { name: 'ns2', address: '127.0.53.2' },
];

/** At most this many anycast addresses (each is a socket pair). */
export const MAX_ANYCAST_ADDRESSES = 16;

const NAME_RE = /^[a-z0-9][a-z0-9-]{0,30}$/;

/**
 * Applies the default (`'default'` or absent), none (`'none'`) or a list, and
 * validates it: names unique and distinct from every POP's name (a truth
 * record's `via` names one or the other), addresses loopback and unique.
 */
export function resolveAnycast(
  spec: readonly AnycastSpec[] | 'default' | 'none' | undefined,
  popNames: readonly string[],
): AnycastSpec[] {
  if (spec === undefined || spec === 'default') return DEFAULT_ANYCAST.map((entry) => ({ ...entry }));
  if (spec === 'none') return [];
  if (!isList(spec))
    throw new Error(`anycast ${JSON.stringify(spec)}: expected "default", "none" or a list of {name, address}`);
  if (spec.length > MAX_ANYCAST_ADDRESSES)
    throw new Error(`anycast: ${spec.length} addresses, at most ${MAX_ANYCAST_ADDRESSES}`);
  const names = new Set<string>();
  const addresses = new Set<string>();
  const pops = new Set(popNames.map((pop) => pop.toLowerCase()));
  return spec.map((entry, index) => {
    const where = `anycast[${index}]`;
    const name = typeof entry?.name === 'string' ? entry.name.toLowerCase() : '';
    if (!NAME_RE.test(name))
      throw new Error(
        `${where}.name ${JSON.stringify(entry?.name)}: expected letters, digits and dashes (at most 31), e.g. ns1`,
      );
    if (names.has(name)) throw new Error(`${where}.name ${name} appears twice`);
    if (pops.has(name))
      throw new Error(`${where}.name ${name} is also a POP's name; give the anycast address another (e.g. ns1)`);
    names.add(name);
    const address = entry.address;
    if (typeof address !== 'string' || isIP(address) === 0 || !isLoopback(address))
      throw new Error(
        `${where}.address ${JSON.stringify(address)}: the sim only listens on loopback (127.0.0.0/8 or ::1)`,
      );
    if (addresses.has(address)) throw new Error(`${where}.address ${address} is used twice`);
    addresses.add(address);
    return { name, address };
  });
}
