/**
 * The probe's configuration: one TypeBox schema, loaded from YAML plus
 * PROPWATCH_* variables by the shared loader. See probe/README.md for the
 * table of keys.
 */
import { isIP } from 'node:net';
import {
  canaryName,
  ConfigError,
  deepFreeze,
  IDENTIFIER_PATTERN,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  LogLevel,
} from '@propwatch/shared';
import Type, { type Static } from 'typebox';
import { compilePopPattern } from './round/pop-from-nsid.js';
import { CloudflareWriterConfig } from './writers/cloudflare/config.js';
import { type Rfc2136Config, Rfc2136ConfigSchema } from './writers/rfc2136/config.js';

const TargetKindConfig = Type.Union([Type.Literal('unicast'), Type.Literal('anycast')], {
  default: 'unicast',
  description:
    'unicast: one POP behind the address, reported under `name`; anycast: every POP announces it, each answer is reported under the POP its NSID names (popFromNsid)',
});

export const TargetConfig = Type.Object(
  {
    name: Type.String({
      pattern: IDENTIFIER_PATTERN,
      description: 'POP name of a unicast target (LHR); the address name of an anycast one (ns1)',
    }),
    address: Type.String({ minLength: 2, maxLength: 45, description: 'IPv4 or IPv6 address queried directly' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 53 }),
    kind: TargetKindConfig,
  },
  { additionalProperties: false },
);

export const PopFromNsidConfig = Type.Object(
  {
    pattern: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description: "a regular expression with a named group `pop`, applied to an anycast answer's NSID",
      }),
    ),
    table: Type.Record(Type.String({ minLength: 1, maxLength: 512 }), Type.String({ minLength: 1, maxLength: 63 }), {
      default: {},
      maxProperties: 10_000,
      description: 'exact NSID -> POP, checked before the pattern',
    }),
    uppercase: Type.Boolean({ default: true, description: "upper-case the pattern's `pop` group (lhr -> LHR)" }),
  },
  { default: {}, additionalProperties: false },
);

/** Aggregator replicas a probe fails over between; each also bounds the attempts one report makes per cycle. */
export const MAX_AGGREGATOR_URLS = 16;

export const ProbeConfig = Type.Object(
  {
    probe: Type.Object(
      {
        id: Type.String({ pattern: IDENTIFIER_PATTERN, description: 'unique probe id; also the canary label' }),
        region: Type.String({ minLength: 1, maxLength: 64, default: 'unknown' }),
      },
      { additionalProperties: false },
    ),
    zone: Type.String({ minLength: 1, maxLength: 253, description: 'zone that holds the canary' }),
    canaryLabel: Type.String({ pattern: '^[A-Za-z0-9_-]{1,63}$', default: '_propwatch' }),
    ttl: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'canary TTL in seconds' }),
    writer: Type.Object(
      {
        kind: Type.Union([Type.Literal('cloudflare'), Type.Literal('rfc2136')], {
          description: 'which writer module to use',
        }),
        cloudflare: Type.Optional(CloudflareWriterConfig),
        rfc2136: Type.Optional(Rfc2136ConfigSchema),
      },
      { additionalProperties: false },
    ),
    targets: Type.Array(TargetConfig, { default: [], maxItems: 5000, description: 'POPs to poll (static list)' }),
    discovery: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'add every A/AAAA of every NS of the zone as a target' }),
        resolverAddress: Type.Optional(
          Type.String({ description: 'server asked for the NS set and addresses (an authoritative of the zone)' }),
        ),
        resolverPort: Type.Integer({ minimum: 1, maximum: 65535, default: 53 }),
        port: Type.Integer({ minimum: 1, maximum: 65535, default: 53, description: 'port of the discovered targets' }),
        targetKind: { ...TargetKindConfig, description: 'kind of the discovered targets (anycast NS addresses)' },
      },
      { default: {}, additionalProperties: false },
    ),
    popFromNsid: PopFromNsidConfig,
    query: Type.Object(
      {
        timeoutMs: Type.Integer({ minimum: 10, maximum: 30_000, default: 1000 }),
        sourceAddress: Type.Optional(
          Type.String({
            minLength: 2,
            maxLength: 45,
            description:
              'local IPv4 address the UDP and TCP query sockets bind to (multi-homed hosts, vantage addresses)',
          }),
        ),
        sourceAddress6: Type.Optional(
          Type.String({ minLength: 2, maxLength: 45, description: 'local IPv6 address the query sockets bind to' }),
        ),
        nsid: Type.Boolean({ default: true, description: 'ask for EDNS NSID to name the instance that answered' }),
        chaosIdentity: Type.Boolean({
          default: false,
          description: 'also ask CHAOS TXT id.server. once per round when a unicast target gives no NSID',
        }),
        chaosIdentityFallback: Type.Boolean({
          default: false,
          description:
            'anycast answer without NSID: ask CHAOS TXT id.server. right after it to name the instance (a separate query, which may reach another instance)',
        }),
        concurrency: Type.Integer({
          minimum: 1,
          maximum: 10_000,
          default: 256,
          description: 'queries in flight at most (p-limit)',
        }),
        maxQueriesPerSocket: Type.Integer({
          minimum: 0,
          maximum: 1_000_000,
          default: 1000,
          description:
            'UDP source-port rotation (RFC 5452): a socket sends between half and all of this many queries, then a new one on a random port takes over; 0 = never',
        }),
        maxSocketAgeMs: Type.Integer({
          minimum: 0,
          maximum: 86_400_000,
          default: 60_000,
          description: 'a UDP socket is replaced after between half and all of this time; 0 = never',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    round: Type.Object(
      {
        intervalMs: Type.Integer({
          minimum: 100,
          maximum: 86_400_000,
          default: 30_000,
          description:
            'time between round starts; a round that runs longer (up to maxWaitMs) delays the next one, they never overlap',
        }),
        pollIntervalMs: Type.Integer({
          minimum: 1,
          maximum: 60_000,
          default: 100,
          description: 'time between queries to one target',
        }),
        perTargetQps: Type.Optional(
          Type.Number({
            exclusiveMinimum: 0,
            maximum: 10_000,
            description: 'query budget per target; widens the poll interval',
          }),
        ),
        maxWaitMs: Type.Integer({
          minimum: 100,
          maximum: 86_400_000,
          default: 120_000,
          description: 'after this, unseen POPs are reported as timeout',
        }),
        progressMs: Type.Integer({
          minimum: 100,
          maximum: 600_000,
          default: 1000,
          description: 'progress report period while a round runs',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
    report: Type.Object(
      {
        url: Type.Optional(
          Type.String({
            pattern: '^https?://',
            description: 'aggregator base URL; without it (and without urls) reports are only logged',
          }),
        ),
        urls: Type.Optional(
          Type.Array(Type.String({ pattern: '^https?://', maxLength: 2048 }), {
            minItems: 1,
            maxItems: MAX_AGGREGATOR_URLS,
            description:
              'aggregator replicas in order of preference (instead of url): a report goes to the next on a connection failure or a 5xx',
          }),
        ),
        preferFirstAfterMs: Type.Integer({
          minimum: 0,
          maximum: 86_400_000,
          default: 300_000,
          description:
            'with urls: after this long on a fallback, reports try the first URL again; 0 = stay on the one that answers',
        }),
        token: Type.Optional(Type.String({ minLength: 1, secret: true, description: "this probe's bearer token" })),
        spoolDir: Type.String({ default: './.data/probe-spool', description: 'undelivered reports live here' }),
        maxSpoolFiles: Type.Integer({
          minimum: 10,
          maximum: 10_000_000,
          default: 100_000,
          description: 'oldest rounds are dropped past this, with a warning',
        }),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 5000 }),
        backoffBaseMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 500 }),
        backoffMaxMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 60_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    stateDir: Type.String({
      default: './.data/probe-state',
      description: 'holds the last serial so serials increase across restarts',
    }),
    metrics: Type.Object(
      {
        port: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: 65535,
            description: 'serve /metrics on this port (0 = random); off when absent',
          }),
        ),
        host: Type.String({ default: '127.0.0.1' }),
      },
      { default: {}, additionalProperties: false },
    ),
    logLevel: LogLevel,
  },
  { additionalProperties: false },
);
export type ProbeConfig = Static<typeof ProbeConfig>;

/** The writer section as loadProbeConfig checked it: the kind, and the settings of that kind. */
export type WriterSettings =
  { kind: 'cloudflare'; cloudflare: CloudflareWriterConfig } | { kind: 'rfc2136'; rfc2136: Rfc2136Config };

/**
 * Where reports go: to the aggregator replicas `urls` (report.urls, or report.url as a list of one; the
 * first is preferred) with this probe's token, or nowhere (only logged). `url` stays as given.
 */
export type ReportSettings = Omit<ProbeConfig['report'], 'url' | 'urls' | 'token'> &
  (
    | { url?: string | undefined; urls: readonly string[]; token: string }
    | { url?: undefined; urls?: undefined; token?: string | undefined }
  );

/** NS discovery: on, with the server to ask, or off. */
export type DiscoverySettings = Omit<ProbeConfig['discovery'], 'enabled' | 'resolverAddress'> &
  ({ enabled: true; resolverAddress: string } | { enabled: false; resolverAddress?: string | undefined });

/**
 * The probe config after the checks the schema cannot express, with types
 * that say what they proved: the writer's section is there, a report URL has
 * its token, discovery has its server. Callers need no `!`.
 */
export type CheckedProbeConfig = Omit<ProbeConfig, 'writer' | 'report' | 'discovery'> & {
  writer: WriterSettings;
  report: ReportSettings;
  discovery: DiscoverySettings;
};

/** Loads and cross-checks the probe config; what the schema cannot say is checked here. */
export function loadProbeConfig(options: LoadConfigOptions): LoadedConfig<CheckedProbeConfig> {
  const loaded = loadConfig(ProbeConfig, options);
  const { config, sourceOf } = loaded;
  const checked: CheckedProbeConfig = {
    ...config,
    writer: checkWriter(config.writer, sourceOf),
    report: checkReport(config.report, sourceOf),
    discovery: checkDiscovery(config.discovery, sourceOf),
  };
  if (config.targets.length === 0 && !checked.discovery.enabled)
    throw new ConfigError('targets', [], 'at least one target, or discovery.enabled: true', sourceOf('targets'));
  // The canary owner name goes into every report (at most 255 characters on
  // the wire) and into DNS (at most 253 without the root dot).
  const record = canaryName(config.probe.id, config.zone, config.canaryLabel);
  if (record.length > 253)
    throw new ConfigError(
      'zone',
      config.zone,
      `a zone short enough for the canary name <probe.id>.<canaryLabel>.<zone> to stay within 253 characters (it has ${record.length})`,
      sourceOf('zone'),
    );
  checkTargets(config, sourceOf);
  checkAnycast(config, sourceOf);
  checkSourceAddresses(config.query, sourceOf);
  return { ...loaded, config: deepFreeze(checked) };
}

type SourceOf = (key: string) => string;

function checkWriter(writer: ProbeConfig['writer'], sourceOf: SourceOf): WriterSettings {
  if (writer.kind === 'cloudflare' && writer.cloudflare) return { kind: 'cloudflare', cloudflare: writer.cloudflare };
  if (writer.kind === 'rfc2136' && writer.rfc2136) return { kind: 'rfc2136', rfc2136: writer.rfc2136 };
  throw new ConfigError(
    `writer.${writer.kind}`,
    undefined,
    `a "${writer.kind}" section because writer.kind is "${writer.kind}" (${sourceOf('writer.kind')})`,
    sourceOf(`writer.${writer.kind}`),
  );
}

function checkReport(report: ProbeConfig['report'], sourceOf: SourceOf): ReportSettings {
  const { url, urls, ...rest } = report;
  if (url !== undefined && urls !== undefined)
    throw new ConfigError(
      'report.urls',
      urls,
      `either report.url (${sourceOf('report.url')}) or report.urls, not both: put every aggregator URL in report.urls`,
      sourceOf('report.urls'),
    );
  const key = urls !== undefined ? 'report.urls' : 'report.url';
  const list = urls ?? (url !== undefined ? [url] : undefined);
  if (list === undefined) return { ...rest, url: undefined, urls: undefined };
  const seen = new Set<string>();
  for (const [index, text] of list.entries()) {
    const at = urls !== undefined ? `${key}.${index}` : key;
    const origin = checkAggregatorUrl(text, at, sourceOf(key));
    if (seen.has(origin))
      throw new ConfigError(at, text, 'a URL not already in the list (each replica once)', sourceOf(key));
    seen.add(origin);
  }
  if (!report.token)
    throw new ConfigError(
      'report.token',
      undefined,
      `a bearer token because ${key} is set (${sourceOf(key)})`,
      sourceOf('report.token'),
    );
  return { ...rest, ...(url !== undefined ? { url } : {}), urls: list, token: report.token };
}

/**
 * An aggregator base URL the sender can use as is: it parses, and carries no credentials (the token goes in
 * a header; fetch refuses a URL with `user:password@`, which would fail every report at run time).
 * Returns the URL without its path, which reports never use (they go to /api/v1/rounds).
 */
function checkAggregatorUrl(text: string, key: string, source: string): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(
      key,
      text,
      'an http:// or https:// URL with a host (https://aggregator.example:8080)',
      source,
    );
  }
  if (parsed.username || parsed.password)
    throw new ConfigError(
      key,
      text,
      'a URL without user:password@ (the probe sends its report.token as a bearer token)',
      source,
    );
  return parsed.origin;
}

function checkDiscovery(discovery: ProbeConfig['discovery'], sourceOf: SourceOf): DiscoverySettings {
  // Targets are queried by address (no DNS lookup per send): a host name or a
  // typo would otherwise only show up as a POP failing every round.
  if (discovery.resolverAddress !== undefined && isIP(discovery.resolverAddress) === 0)
    throw new ConfigError(
      'discovery.resolverAddress',
      discovery.resolverAddress,
      'an IPv4 or IPv6 address (not a host name)',
      sourceOf('discovery.resolverAddress'),
    );
  if (!discovery.enabled) return { ...discovery, enabled: false };
  if (discovery.resolverAddress === undefined)
    throw new ConfigError(
      'discovery.resolverAddress',
      undefined,
      'the address of a server to ask for the NS set',
      sourceOf('discovery.resolverAddress'),
    );
  return { ...discovery, enabled: true, resolverAddress: discovery.resolverAddress };
}

/** Queries leave from an address of this host, of the family its key names. */
function checkSourceAddresses(query: ProbeConfig['query'], sourceOf: SourceOf): void {
  for (const [key, family] of [
    ['sourceAddress', 4],
    ['sourceAddress6', 6],
  ] as const) {
    const address = query[key];
    if (address !== undefined && isIP(address) !== family)
      throw new ConfigError(
        `query.${key}`,
        address,
        `an IPv${family} address of this host to send queries from`,
        sourceOf(`query.${key}`),
      );
  }
}

/** Addresses, not host names; unique names; an anycast address polled once (twice would report each instance twice). */
function checkTargets(config: ProbeConfig, sourceOf: SourceOf): void {
  const names = new Set<string>();
  const addresses = new Map<string, ProbeConfig['targets'][number]>();
  for (const [index, target] of config.targets.entries()) {
    if (isIP(target.address) === 0)
      throw new ConfigError(
        `targets.${index}.address`,
        target.address,
        'an IPv4 or IPv6 address (not a host name)',
        sourceOf(`targets.${index}.address`),
      );
    if (names.has(target.name))
      throw new ConfigError(
        `targets.${index}.name`,
        target.name,
        'unique target names',
        sourceOf(`targets.${index}.name`),
      );
    names.add(target.name);
    const key = `${target.address.toLowerCase()}#${target.port}`;
    const first = addresses.get(key);
    if (first && (first.kind === 'anycast' || target.kind === 'anycast'))
      throw new ConfigError(
        `targets.${index}.address`,
        target.address,
        `an address and port not already polled as target ${JSON.stringify(first.name)} (an anycast address is polled once: its instances would be reported twice)`,
        sourceOf(`targets.${index}.address`),
      );
    if (!first) addresses.set(key, target);
  }
}

/** The NSID mapping compiles, names identifiers, and anycast answers can be named at all. */
function checkAnycast(config: ProbeConfig, sourceOf: SourceOf): void {
  const { pattern, table } = config.popFromNsid;
  if (pattern !== undefined) {
    const compiled = compilePopPattern(pattern);
    if (typeof compiled === 'string')
      throw new ConfigError('popFromNsid.pattern', pattern, compiled, sourceOf('popFromNsid.pattern'));
  }
  const identifier = new RegExp(IDENTIFIER_PATTERN);
  for (const [nsid, pop] of Object.entries(table)) {
    if (!identifier.test(pop))
      throw new ConfigError(
        `popFromNsid.table.${nsid}`,
        pop,
        'a POP name: letters, digits, _ . - (starting with a letter or digit), at most 63 characters',
        sourceOf('popFromNsid.table'),
      );
  }
  const anycastTarget = config.targets.findIndex((t) => t.kind === 'anycast');
  const anycastUsed = anycastTarget >= 0 || (config.discovery.enabled && config.discovery.targetKind === 'anycast');
  if (anycastUsed && !config.query.nsid && !config.query.chaosIdentityFallback)
    throw new ConfigError(
      'query.nsid',
      false,
      `true, or query.chaosIdentityFallback: true: ${anycastTarget >= 0 ? `targets.${anycastTarget} (${config.targets[anycastTarget]!.name})` : 'discovery.targetKind'} is anycast, and without an identity no answer can name the POP that gave it`,
      sourceOf('query.nsid'),
    );
}
