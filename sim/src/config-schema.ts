/**
 * propwatch-sim configuration: YAML file (`--config`), `PROPWATCH_*`
 * environment overrides, then command-line flags. One schema, validated once
 * at start by the shared loadConfig.
 */
import { LogLevel } from '@propwatch/shared';
import Type, { type Static } from 'typebox';

const PopEntry = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 31 }),
    region: Type.Optional(Type.String({ minLength: 1 })),
    address: Type.Optional(Type.String({ minLength: 2, description: 'loopback address: 127.0.0.0/8 or ::1' })),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  },
  { additionalProperties: false },
);

const AnycastEntry = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 31, description: 'what probes call it, e.g. ns1' }),
    address: Type.String({ minLength: 2, description: 'loopback address: 127.0.0.0/8 or ::1' }),
  },
  { additionalProperties: false },
);

const VantageEntry = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 32, description: 'e.g. eu-west; `default` = unknown sources' }),
    sources: Type.Optional(Type.Array(Type.String(), { maxItems: 64, description: 'loopback source addresses' })),
    rttMs: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
    jitterMs: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
    udpLossRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    catchment: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'anycast address name → POP, e.g. {ns1: LHR}' }),
    ),
  },
  { additionalProperties: false },
);

export const SimConfigSchema = Type.Object(
  {
    zone: Type.String({ default: 'propwatch.test', minLength: 1, description: 'zone served by every POP' }),
    zoneId: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{32}$',
        description: 'Cloudflare-style zone id; default derived from zone and seed',
      }),
    ),
    apiToken: Type.Optional(
      Type.String({
        minLength: 8,
        secret: true,
        description: 'provider API bearer token; default random (printed at start)',
      }),
    ),
    adminToken: Type.Optional(
      Type.String({ minLength: 8, secret: true, description: 'admin API bearer token; default the API token' }),
    ),
    pops: Type.Union([Type.Integer({ minimum: 1, maximum: 500 }), Type.Array(PopEntry, { minItems: 1 })], {
      default: 14,
      description: 'number of POPs, or a list of {name, region, address, port}',
    }),
    seed: Type.Integer({ minimum: 0, maximum: 4294967295, default: 1 }),
    timeScale: Type.Number({
      minimum: 0,
      maximum: 1000,
      default: 1,
      description: 'multiplies every propagation delay',
    }),
    apiHost: Type.String({ default: '127.0.0.1', description: 'API address: loopback unless allowNonLoopback' }),
    apiPort: Type.Integer({ minimum: 0, maximum: 65535, default: 0, description: '0 = random' }),
    dnsAddress: Type.String({
      default: '127.0.0.1',
      description: 'default address of the POPs: loopback unless allowNonLoopback',
    }),
    allowNonLoopback: Type.Boolean({
      default: false,
      description: 'let apiHost and POP addresses be non-loopback (e.g. 0.0.0.0 in a container on private networks)',
    }),
    dnsPortBase: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 0,
      description: 'first POP port (others follow); 0 = random ports',
    }),
    nsidTemplate: Type.String({
      default: '{pop}1.sim.propwatch',
      description: 'NSID / id.server identity, {pop} = lower-case POP code',
    }),
    anycast: Type.Union([Type.Literal('default'), Type.Literal('none'), Type.Array(AnycastEntry, { maxItems: 16 })], {
      default: 'default',
      description:
        'anycast addresses announced by every POP: default (ns1 127.0.53.1, ns2 127.0.53.2), none, or a list',
    }),
    anycastPort: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 0,
      description: 'UDP and TCP port of every anycast address; 0 = one random port shared by all',
    }),
    vantages: Type.Union([Type.Literal('default'), Type.Literal('none'), Type.Array(VantageEntry, { maxItems: 64 })], {
      default: 'default',
      description: 'probe vantages (sources, RTT, jitter, loss, catchment): default (five), none, or a list',
    }),
    vantagesOnUnicast: Type.Boolean({
      default: true,
      description: "a vantage's RTT, jitter and loss apply to the POPs' unicast addresses too",
    }),
    udpLossRate: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      description: 'fraction of UDP queries lost, for every vantage that sets none',
    }),
    reroutes: Type.Array(Type.String(), {
      default: [],
      maxItems: 1000,
      description: 'vantage:address=POP (catchment from the start) or vantage:address=POP@30s (moved then)',
    }),
    maxPendingPerVantage: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 4096,
      description: 'exchanges one vantage may have in flight; beyond, queries are dropped and counted',
    }),
    maxPendingBytesPerVantage: Type.Integer({
      minimum: 65_536,
      maximum: 1024 * 1024 * 1024,
      default: 8 * 1024 * 1024,
      description: 'bytes of queries and answers one vantage may have in flight',
    }),
    answerLogSize: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 10_000,
      description: 'answered queries the ground truth remembers (a ring)',
    }),
    faults: Type.Array(Type.String(), {
      default: [],
      description: 'POP=slow[:ms] | POP=stuck | POP=down | POP=flaky[:fraction]',
    }),
    minTtl: Type.Integer({ minimum: 2, maximum: 86400, default: 30 }),
    historyVersions: Type.Integer({
      minimum: 10,
      maximum: 10_000_000,
      default: 5000,
      description: 'zone versions remembered for ground truth and answers; older ones are forgotten',
    }),
    logLevel: LogLevel,
  },
  { additionalProperties: false },
);

export type SimConfig = Static<typeof SimConfigSchema>;
