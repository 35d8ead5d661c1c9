/**
 * Which POPs exist, which region each one hangs off, and where each listens.
 * The default set mirrors a mid-size anycast network: seven North American
 * sites, four in Europe and a slower Asia-Pacific tail.
 */
import { isIP } from 'node:net';

export const DEFAULT_POP_NAMES = [
  'SJC',
  'LAX',
  'ORD',
  'DFW',
  'IAD',
  'EWR',
  'MIA',
  'LHR',
  'AMS',
  'FRA',
  'CDG',
  'SIN',
  'NRT',
  'SYD',
] as const;

/** Region of each default POP; POPs beyond the list (POP15, ...) go to `na`. */
export const DEFAULT_POP_REGIONS: Readonly<Record<string, string>> = {
  SJC: 'na',
  LAX: 'na',
  ORD: 'na',
  DFW: 'na',
  IAD: 'na',
  EWR: 'na',
  MIA: 'na',
  LHR: 'eu',
  AMS: 'eu',
  FRA: 'eu',
  CDG: 'eu',
  SIN: 'apac',
  NRT: 'apac',
  SYD: 'apac',
};

/** A POP as the caller may describe it. */
export interface PopSpec {
  name: string;
  region?: string;
  /** Address to listen on: loopback (127.0.0.0/8 or ::1) unless `allowNonLoopback`. Default 127.0.0.1. */
  address?: string;
  /** UDP and TCP port; 0 or absent picks a free one. */
  port?: number;
}

/** A POP after defaults are applied. */
export interface PopDefinition {
  name: string;
  region: string;
  address: string;
  port: number;
  /** What the POP answers in NSID and CHAOS id.server / hostname.bind. */
  nsid: string;
}

export interface TopologyOptions {
  pops?: number | readonly PopSpec[];
  defaultAddress?: string;
  /** Port of the first POP when > 0; the others follow (base + index). 0 = random ports. */
  dnsPortBase?: number;
  /** Identity template; `{pop}` (exactly once) is the lower-case POP code. Default `{pop}1.sim.propwatch`. */
  nsidTemplate?: string;
  /**
   * Lets POPs and the API listen on other addresses than loopback (e.g.
   * 0.0.0.0 in a container whose networks are private, as in
   * docker-compose.yml). Off by default: the sim is test tooling with
   * demo tokens and must not appear on a real network by accident.
   */
  allowNonLoopback?: boolean;
}

/**
 * `lhr1.sim.propwatch`: shaped like a real operator's instance names (POP
 * code, instance number, suffix), so a probe's `popFromNsid` pattern such as
 * `^(?<pop>[a-z]{3})[0-9]*\.` maps an anycast answer to its POP.
 */
export const DEFAULT_NSID_TEMPLATE = '{pop}1.sim.propwatch';
/** A CHAOS TXT string carries at most 255 octets, and the identity is sent as one. */
const MAX_IDENTITY_LENGTH = 255;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,30}$/;

/** Why a non-loopback address is refused, and how to allow it on purpose. */
export const LOOPBACK_ONLY =
  'the sim only listens on loopback (127.0.0.0/8 or ::1) unless allowNonLoopback is true ' +
  '(PROPWATCH_ALLOW_NON_LOOPBACK=true, for a container on private networks)';

/** True for addresses a test may listen on: 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

export function resolvePops(options: TopologyOptions = {}): PopDefinition[] {
  const specs: PopSpec[] =
    typeof options.pops === 'number' || options.pops === undefined
      ? defaultSpecs(options.pops ?? DEFAULT_POP_NAMES.length)
      : [...options.pops];
  if (specs.length === 0) throw new Error('pops: expected at least one POP');
  const base = options.dnsPortBase ?? 0;
  if (!Number.isInteger(base) || base < 0 || base + specs.length - 1 > 65535)
    throw new Error(`dnsPortBase: expected 0 or a port such that base + ${specs.length - 1} <= 65535, got ${base}`);
  const template = options.nsidTemplate ?? DEFAULT_NSID_TEMPLATE;
  if (template.split('{pop}').length !== 2)
    throw new Error(
      `nsidTemplate ${JSON.stringify(template)}: expected exactly one {pop} (the lower-case POP code), ` +
        `e.g. ${DEFAULT_NSID_TEMPLATE}`,
    );
  const seen = new Set<string>();
  return specs.map((spec, index) => {
    if (!NAME_RE.test(spec.name))
      throw new Error(
        `pops[${index}].name ${JSON.stringify(spec.name)}: expected letters, digits and dashes (at most 31)`,
      );
    const name = spec.name.toUpperCase();
    if (seen.has(name)) throw new Error(`pops[${index}].name ${name} appears twice`);
    seen.add(name);
    const address = spec.address ?? options.defaultAddress ?? '127.0.0.1';
    if (!isLoopback(address) && !options.allowNonLoopback)
      throw new Error(`pops[${index}].address ${JSON.stringify(address)}: ${LOOPBACK_ONLY}`);
    const port = spec.port ?? (base > 0 ? base + index : 0);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new Error(`pops[${index}].port ${port}: expected 0..65535`);
    const nsid = template.replace('{pop}', name.toLowerCase());
    if (Buffer.byteLength(nsid) > MAX_IDENTITY_LENGTH)
      throw new Error(
        `nsidTemplate ${JSON.stringify(template)}: the identity of ${name} is ${Buffer.byteLength(nsid)} bytes, ` +
          `at most ${MAX_IDENTITY_LENGTH} fit a CHAOS TXT string`,
      );
    return { name, region: spec.region ?? DEFAULT_POP_REGIONS[name] ?? 'na', address, port, nsid };
  });
}

function defaultSpecs(count: number): PopSpec[] {
  if (!Number.isInteger(count) || count < 1 || count > 500)
    throw new Error(`pops: expected a count from 1 to 500, got ${count}`);
  return Array.from({ length: count }, (_, i) => ({ name: DEFAULT_POP_NAMES[i] ?? `POP${i + 1}` }));
}

/**
 * A regular expression that recovers the POP from an identity the template
 * made (named group `pop`, lower case), e.g. `^(?<pop>[a-z0-9-]+)1\.sim\.propwatch$`:
 * what a probe's `popFromNsid.pattern` needs to name the sim's instances.
 */
export function nsidPatternFor(template: string = DEFAULT_NSID_TEMPLATE): string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const [before = '', after = ''] = template.split('{pop}');
  return `^${escape(before)}(?<pop>[a-z0-9-]+)${escape(after)}$`;
}
