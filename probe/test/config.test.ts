/** loadProbeConfig's own checks (beyond the schema), as a table of bad values and their exact messages. */
import { ConfigError } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import { loadProbeConfig } from '../src/config.js';

const base = {
  probe: { id: 'p1' },
  zone: 'example.com',
  writer: { kind: 'cloudflare', cloudflare: { apiToken: 'cf-token-123456', zoneId: 'z1' } },
  targets: [{ name: 'LHR', address: '192.0.2.1' }],
};
const load = (values: Record<string, unknown>) => loadProbeConfig({ values: { ...base, ...values } });

describe('loadProbeConfig', () => {
  it.each([
    [
      {
        targets: [
          { name: 'LHR', address: '192.0.2.1' },
          { name: 'SYD', address: '2001:db8::1' },
          { name: 'FRA', address: '192.0.2.3' },
          { name: 'IAD', address: 'ns1.example.com' },
        ],
      },
      'config key "targets.3.address" (given values) has value "ns1.example.com": expected an IPv4 or IPv6 address (not a host name)',
    ],
    [
      { targets: [{ name: 'LHR', address: '192.0.2.256' }] },
      'config key "targets.0.address" (given values) has value "192.0.2.256": expected an IPv4 or IPv6 address (not a host name)',
    ],
    [
      { discovery: { enabled: true, resolverAddress: 'localhost' } },
      'config key "discovery.resolverAddress" (given values) has value "localhost": expected an IPv4 or IPv6 address (not a host name)',
    ],
  ])('refuses an address that is not an IP address: %j', (values, message) => {
    expect(() => load(values)).toThrow(ConfigError);
    expect(() => load(values)).toThrow(message);
  });

  it('names the environment variable when the address came from one', () => {
    const env = { PROPWATCH_TARGETS: JSON.stringify([{ name: 'LHR', address: 'lhr.example.net' }]) };
    expect(() => loadProbeConfig({ values: { ...base, targets: [] }, env })).toThrow(
      'config key "targets.0.address" (environment variable PROPWATCH_TARGETS) has value "lhr.example.net"',
    );
  });

  it('refuses a zone that makes the canary name longer than DNS allows', () => {
    const zone = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}`;
    expect(() => load({ zone, probe: { id: 'probe-in-eu-west-1' } })).toThrow(
      'config key "zone" (given values) has value',
    );
    expect(() => load({ zone, probe: { id: 'probe-in-eu-west-1' } })).toThrow('(it has 273)');
  });

  it('accepts IPv4 and IPv6 targets and resolver addresses', () => {
    const { config } = load({
      targets: [
        { name: 'LHR', address: '192.0.2.1' },
        { name: 'SYD', address: '2001:db8::1' },
      ],
      discovery: { enabled: true, resolverAddress: '::1' },
    });
    expect(config.targets.map((t) => t.address)).toEqual(['192.0.2.1', '2001:db8::1']);
  });

  it('has one canary TTL: writer.rfc2136.ttl is not a key', () => {
    const writer = {
      kind: 'rfc2136',
      rfc2136: { server: '192.0.2.53', tsig: { name: 'k', secret: 'c2VjcmV0' }, ttl: 30 },
    };
    expect(() => load({ writer })).toThrow('config key "writer.rfc2136.ttl"');
    const { ttl: _ttl, ...rfc2136 } = writer.rfc2136;
    expect(load({ writer: { ...writer, rfc2136 }, ttl: 30 }).config.ttl).toBe(30);
  });
});

describe('the checked config', () => {
  it('keeps only the chosen writer section, typed by its kind', () => {
    const rfc2136 = { server: '192.0.2.53', tsig: { name: 'k', secret: 'c2VjcmV0' } };
    const { config } = load({ writer: { ...base.writer, rfc2136 } });
    expect(config.writer).toEqual({
      kind: 'cloudflare',
      cloudflare: expect.objectContaining({ apiToken: 'cf-token-123456' }),
    });
    // The narrowed type: no `!` needed to reach the section of the kind.
    if (config.writer.kind === 'cloudflare') expect(config.writer.cloudflare.zoneId).toBe('z1');
  });

  it('a report URL comes with its token; discovery with its server', () => {
    const { config } = load({
      report: { url: 'http://aggregator:8080', token: 'probe-token-1' },
      discovery: { enabled: true, resolverAddress: '192.0.2.53' },
    });
    // These assignments compile only because the types say what loadProbeConfig checked.
    const token: string | undefined = config.report.url === undefined ? undefined : config.report.token;
    const resolver: string | undefined = config.discovery.enabled ? config.discovery.resolverAddress : undefined;
    expect([token, resolver]).toEqual(['probe-token-1', '192.0.2.53']);
    expect(() => load({ report: { url: 'http://aggregator:8080' } })).toThrow(
      'config key "report.token" (given values) is missing: expected a bearer token because report.url is set (given values)',
    );
    expect(() => load({ discovery: { enabled: true } })).toThrow(
      'config key "discovery.resolverAddress" (given values) is missing: expected the address of a server to ask for the NS set',
    );
  });

  it('is frozen', () => {
    const { config } = load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.writer)).toBe(true);
  });
});
