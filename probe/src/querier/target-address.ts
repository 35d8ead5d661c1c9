/**
 * Target addresses in the exact text form Node reports as a datagram's
 * source (`rinfo.address`), so the source check is a string comparison:
 * `0:0:0:0:0:0:0:1` and `::1` must be the same target.
 */
import { isIP, SocketAddress } from 'node:net';
import type { QueryTarget } from './results.js';

export interface ResolvedTarget {
  address: string;
  port: number;
  family: 4 | 6;
  /** `address#port`, as dig writes it, for messages. */
  label: string;
}

interface Canonical {
  address: string;
  family: 4 | 6;
  /** Resolved targets by port, reused so the hot path allocates nothing here. */
  byPort: Map<number, ResolvedTarget>;
}

const cache = new Map<string, Canonical | null>();

/** The canonical target (shared and frozen: do not mutate), or a message saying why it is not usable. */
export function resolveTarget(target: QueryTarget): ResolvedTarget | string {
  const { address, port } = target;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `target port ${JSON.stringify(port)} is not 1-65535`;
  let parsed = cache.get(address);
  if (parsed === undefined) {
    parsed = canonicalize(address);
    if (cache.size > 10_000) cache.clear(); // targets are few; this only bounds misuse
    cache.set(address, parsed);
  }
  if (parsed === null)
    return `target address ${JSON.stringify(address)} is not an IPv4 or IPv6 address (host names are not resolved here)`;
  let resolved = parsed.byPort.get(port);
  if (resolved === undefined) {
    if (parsed.byPort.size > 1_000) parsed.byPort.clear();
    resolved = Object.freeze({
      address: parsed.address,
      port,
      family: parsed.family,
      label: `${parsed.address}#${port}`,
    });
    parsed.byPort.set(port, resolved);
  }
  return resolved;
}

function canonicalize(address: string): Canonical | null {
  const family = isIP(address);
  if (family === 4) return { address, family: 4, byPort: new Map() };
  if (family === 6)
    return { address: new SocketAddress({ address, family: 'ipv6' }).address, family: 6, byPort: new Map() };
  return null;
}
