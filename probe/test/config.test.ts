/** loadProbeConfig's own checks (beyond the schema), as a table of bad values and their exact messages. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  const ns1 = { name: 'ns1', address: '198.51.100.1', kind: 'anycast' };
  it.each([
    [
      { query: { sourceAddress: '::1' } },
      'config key "query.sourceAddress" (given values) has value "::1": expected an IPv4 address of this host to send queries from',
    ],
    [
      { query: { sourceAddress6: '127.0.1.1' } },
      'config key "query.sourceAddress6" (given values) has value "127.0.1.1": expected an IPv6 address of this host to send queries from',
    ],
    [
      { popFromNsid: { pattern: '^[a-z]{3}[0-9]*\\.' } },
      'config key "popFromNsid.pattern" (given values) has value "^[a-z]{3}[0-9]*\\\\.": expected a regular expression with a named group (?<pop>...)',
    ],
    [
      { popFromNsid: { pattern: '^(?<pop>[a-z' } },
      'config key "popFromNsid.pattern" (given values) has value "^(?<pop>[a-z": expected a regular expression (Invalid regular expression: /^(?<pop>[a-z/: Unterminated character class)',
    ],
    [
      { popFromNsid: { table: { 'lhr1.ns.example': 'L H R' } } },
      'config key "popFromNsid.table.lhr1.ns.example" (given values) has value "L H R": expected a POP name: letters, digits, _ . - (starting with a letter or digit), at most 63 characters',
    ],
    [
      { targets: [ns1], query: { nsid: false } },
      'config key "query.nsid" (given values) has value false: expected true, or query.chaosIdentityFallback: true: targets.0 (ns1) is anycast, and without an identity no answer can name the POP that gave it',
    ],
    [
      { targets: [{ name: 'LHR', address: '198.51.100.1' }, ns1] },
      'config key "targets.1.address" (given values) has value "198.51.100.1": expected an address and port not already polled as target "LHR" (an anycast address is polled once: its instances would be reported twice)',
    ],
  ])('refuses an anycast or source setting that cannot work: %j', (values, message) => {
    expect(() => load(values)).toThrow(ConfigError);
    expect(() => load(values)).toThrow(message);
  });

  it('accepts an anycast provider: two anycast addresses, an NSID pattern, a source address', () => {
    const { config } = load({
      targets: [
        ns1,
        { name: 'ns2', address: '2001:db8::53', kind: 'anycast' },
        { name: 'FRA-mgmt', address: '192.0.2.101' },
      ],
      popFromNsid: { pattern: '^(?<pop>[a-z]{3})[0-9]*\\.', table: { 'lhr1.ns.example': 'LHR' } },
      query: { sourceAddress: '127.0.1.1', chaosIdentityFallback: true },
    });
    expect(config.targets.map((t) => t.kind)).toEqual(['anycast', 'anycast', 'unicast']);
    expect(config.popFromNsid).toEqual({
      pattern: '^(?<pop>[a-z]{3})[0-9]*\\.',
      table: { 'lhr1.ns.example': 'LHR' },
      uppercase: true,
    });
    expect(config.query).toMatchObject({ sourceAddress: '127.0.1.1', chaosIdentityFallback: true, nsid: true });
    // Without NSID, the CHAOS fallback can still name the instance.
    expect(() => load({ targets: [ns1], query: { nsid: false, chaosIdentityFallback: true } })).not.toThrow();
  });

  it('takes the NSID table from the environment as JSON', () => {
    const env = { PROPWATCH_POP_FROM_NSID__TABLE: JSON.stringify({ 'fra9.x': 'FRA' }) };
    expect(loadProbeConfig({ values: base, env }).config.popFromNsid.table).toEqual({ 'fra9.x': 'FRA' });
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

  describe('aggregator URLs', () => {
    const token = 'probe-token-1';
    it('takes a list of aggregator URLs, or one url as a list of one', () => {
      const urls = ['http://agg-a:8080', 'https://agg-b.example'];
      expect(load({ report: { urls, token } }).config.report.urls).toEqual(urls);
      const single = load({ report: { url: 'http://aggregator:8080', token } }).config.report;
      expect([single.url, single.urls]).toEqual(['http://aggregator:8080', ['http://aggregator:8080']]);
      expect(load({}).config.report.urls).toBeUndefined();
      expect(load({ report: { urls, token } }).config.report.preferFirstAfterMs).toBe(300_000);
    });

    it('takes the list from PROPWATCH_REPORT__URLS, comma-separated or JSON', () => {
      const values = { ...base, report: { token } };
      for (const text of ['http://agg-a:8080, http://agg-b:8080', '["http://agg-a:8080","http://agg-b:8080"]'])
        expect(loadProbeConfig({ values, env: { PROPWATCH_REPORT__URLS: text } }).config.report.urls).toEqual([
          'http://agg-a:8080',
          'http://agg-b:8080',
        ]);
    });

    it("the shipped example's commented two-URL list loads once uncommented (and url removed)", () => {
      const example = readFileSync(new URL('../../examples/probe.cloudflare.yaml', import.meta.url), 'utf8');
      const uncommented = example
        .replace(/^ {2}url: .*\n/m, '')
        .replace(/^ {2}# (urls:|preferFirstAfterMs:| {2}- )/gm, '  $1');
      expect(uncommented).not.toBe(example);
      const dir = mkdtempSync(join(tmpdir(), 'propwatch-example-'));
      writeFileSync(join(dir, 'probe.yaml'), uncommented);
      const env = { PROPWATCH_WRITER__CLOUDFLARE__API_TOKEN: 'cf-api-token-example', PROPWATCH_REPORT__TOKEN: token };
      const { report } = loadProbeConfig({ file: join(dir, 'probe.yaml'), env }).config;
      expect(report.urls).toEqual(['https://agg-a.propwatch.example.net', 'https://agg-b.propwatch.example.net']);
      expect(report.url).toBeUndefined();
    });

    it.each([
      [
        { url: 'http://agg-a:8080', urls: ['http://agg-b:8080'], token },
        'config key "report.urls" (given values) has value ["http://agg-b:8080"]: expected either report.url (given values) or report.urls, not both: put every aggregator URL in report.urls',
      ],
      [
        { urls: ['http://agg-a:8080', 'http://'], token },
        'config key "report.urls.1" (given values) has value "http://": expected an http:// or https:// URL with a host (https://aggregator.example:8080)',
      ],
      [
        { urls: ['http://agg-a:8080', 'http://probe:pw@agg-b:8080'], token },
        'config key "report.urls.1" (given values) has value "http://***@agg-b:8080": expected a URL without user:password@ (the probe sends its report.token as a bearer token)',
      ],
      [
        { url: 'http://[::1', token },
        'config key "report.url" (given values) has value "http://[::1": expected an http:// or https:// URL with a host',
      ],
      [
        { urls: ['http://agg-a:8080', 'http://AGG-A:8080/other/path'], token },
        'config key "report.urls.1" (given values) has value "http://AGG-A:8080/other/path": expected a URL not already in the list (each replica once)',
      ],
      [
        { urls: ['http://agg-a:8080'] },
        'config key "report.token" (given values) is missing: expected a bearer token because report.urls is set (given values)',
      ],
      [{ urls: [], token }, 'report.urls'],
      [{ urls: Array.from({ length: 17 }, (_, i) => `http://agg-${i}:8080`), token }, 'report.urls'],
    ])('refuses a bad aggregator URL list: %j', (report, message) => {
      expect(() => load({ report })).toThrow(ConfigError);
      expect(() => load({ report })).toThrow(message);
    });
  });

  it('is frozen', () => {
    const { config } = load({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.writer)).toBe(true);
  });
});
