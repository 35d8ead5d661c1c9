/**
 * Names for discovered targets that the wire schema accepts. A POP name is an
 * identifier (`IDENTIFIER_PATTERN`: at most 63 characters of letters, digits,
 * `_`, `.`, `-`, starting with a letter or digit); one name that fails it
 * makes the aggregator refuse every report of the round, so names are made to
 * fit here, once, deterministically (the same NS set gives the same names in
 * every round and on every restart).
 */
import { createHash } from 'node:crypto';
import { IDENTIFIER_PATTERN } from '@propwatch/shared';
import type { DiscoveredTarget } from './discover-targets.js';

const IDENTIFIER = new RegExp(IDENTIFIER_PATTERN);
const HASH_LENGTH = 8;
/** Room left for the `-2`...`-999` of further addresses of one host, so every address of a host shares its prefix. */
const SUFFIX_ROOM = 4;
const MAX_BASE_LENGTH = 63 - SUFFIX_ROOM;

/**
 * Names each discovered target by its NS host; a second and later address of
 * the same host get `-2`, `-3`... (`lhr.ns.example.com-2`). Host names that
 * would not fit the identifier pattern are shortened by {@link fitIdentifier}.
 * Input order decides the numbering, so pass the sorted discovery result.
 */
export function nameDiscoveredTargets<T extends Pick<DiscoveredTarget, 'name' | 'address' | 'port'>>(
  targets: readonly T[],
): Array<{ name: string; address: string; port: number }> {
  const perHost = new Map<string, number>();
  const used = new Set<string>();
  return targets.map((target) => {
    const n = (perHost.get(target.name) ?? 0) + 1;
    perHost.set(target.name, n);
    const base = fitIdentifier(target.name);
    let name = n === 1 ? base : `${base}-${n}`;
    // Only a host literally named like another's numbered or shortened form
    // (`ns1.example.com-2`), or a host with over 999 addresses, gets here;
    // the address makes it unique.
    for (let attempt = 0; used.has(name) || !IDENTIFIER.test(name); attempt++)
      name = shortenWithHash(target.name, `${target.name} ${target.address} ${attempt}`);
    used.add(name);
    return { name, address: target.address, port: target.port };
  });
}

/**
 * `name` when it is a valid identifier of at most 59 characters (leaving room
 * for a `-N` suffix); otherwise the leading labels of `name` that fit, with
 * characters outside the pattern replaced by `-`, plus `-` and 8 hex digits of
 * the SHA-256 of the full name. The hash keeps two long names that share
 * their first labels apart.
 */
export function fitIdentifier(name: string): string {
  return name.length <= MAX_BASE_LENGTH && IDENTIFIER.test(name) ? name : shortenWithHash(name, name);
}

function shortenWithHash(name: string, hashed: string): string {
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, HASH_LENGTH);
  const room = MAX_BASE_LENGTH - HASH_LENGTH - 1;
  const labels = name
    .replace(/[^A-Za-z0-9_.-]/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .split('.')
    .filter((label) => label !== '');
  let kept = '';
  for (const label of labels) {
    const next = kept === '' ? label : `${kept}.${label}`;
    if (next.length > room) break;
    kept = next;
  }
  // A first label longer than the room (only possible for non-DNS input) is cut.
  if (kept === '' && labels.length > 0) kept = labels[0]!.slice(0, room);
  return kept === '' ? hash : `${kept}-${hash}`;
}
