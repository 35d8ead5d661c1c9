/**
 * The rfc2136 writer against a real BIND 9 primary started by the test:
 * a signed update lands (for each HMAC algorithm), and each kind of refusal
 * comes back as its specific, readable failure. Required in CI; outside CI a
 * missing named skips with the reason printed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRfc2136Writer, type Rfc2136Config } from '../src/writers/rfc2136/index.js';
import { type DnsServer, startNamed } from './testbed/dns-server.js';
import { namedUnavailable } from './testbed/tools.js';
import type { TestKey } from './testbed/zone-file.js';

const ZONE = 'example.test';
const secretOf = (bytes: number) => randomBytes(bytes).toString('base64');
const KEYS: TestKey[] = [
  { name: 'probe-key', algorithm: 'hmac-sha256', secret: secretOf(32), canUpdate: true },
  { name: 'probe-key-512', algorithm: 'hmac-sha512', secret: secretOf(64), canUpdate: true },
  { name: 'probe-key-sha1', algorithm: 'hmac-sha1', secret: secretOf(20), canUpdate: true },
  { name: 'reader-key', algorithm: 'hmac-sha256', secret: secretOf(32), canUpdate: false },
];

const unavailable = namedUnavailable();
if (unavailable && !process.env.CI) console.warn(`skipping BIND rfc2136 tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined && !process.env.CI)('rfc2136 writer against BIND named', () => {
  let named: DnsServer;
  beforeAll(async () => {
    if (unavailable) throw new Error(`BIND is required in CI: ${unavailable}`);
    named = await startNamed({
      zone: ZONE,
      serverId: 'propwatch-test-primary',
      role: { kind: 'primary', keys: KEYS, notifyPorts: [] },
    });
  });
  afterAll(async () => {
    await named?.stop();
  });

  const writerFor = (tsig: Rfc2136Config['tsig'], overrides: Partial<Rfc2136Config> = {}) =>
    createRfc2136Writer({
      server: '127.0.0.1',
      port: named.port,
      transport: 'udp',
      timeoutMs: 2000,
      retries: 1,
      tsig,
      ...overrides,
    });
  const keyConfig = (key: TestKey): Rfc2136Config['tsig'] => ({
    name: key.name,
    algorithm: key.algorithm,
    secret: key.secret,
  });

  it.each(KEYS.filter((key) => key.canUpdate).map((key) => [key.algorithm, key] as const))(
    '%s: the update lands and replaces the RRset',
    async (_alg, key) => {
      const writer = writerFor(keyConfig(key));
      const name = `${key.algorithm}._propwatch.${ZONE}`;
      for (const serial of [1, 2]) {
        const content = `propwatch=1 serial=${serial} probe=${key.algorithm}`;
        const result = await writer.write({ zone: ZONE, name, content, ttl: 5 });
        expect(result).toMatchObject({ ok: true });
        expect(named.queryTxt(name)).toEqual([`"${content}"`]);
      }
    },
  );

  it('works over TCP too', async () => {
    const name = `tcp._propwatch.${ZONE}`;
    const result = await writerFor(keyConfig(KEYS[0]!), { transport: 'tcp' }).write({
      zone: ZONE,
      name,
      content: 'propwatch=1 serial=9 probe=tcp',
      ttl: 5,
    });
    expect(result).toMatchObject({ ok: true });
    expect(named.queryTxt(name)).toEqual(['"propwatch=1 serial=9 probe=tcp"']);
  });

  it('a wrong secret is BADSIG', async () => {
    const result = await writerFor({ ...keyConfig(KEYS[0]!), secret: secretOf(32) }).write({
      zone: ZONE,
      name: `bad._propwatch.${ZONE}`,
      content: 'x',
      ttl: 5,
    });
    expect(result).toMatchObject({ ok: false, code: 'BADSIG', retryable: false });
    expect(!result.ok && result.error).toContain('NOTAUTH (TSIG error BADSIG): the server knows key "probe-key"');
  });

  it('a wrong algorithm is BADKEY', async () => {
    const result = await writerFor({ ...keyConfig(KEYS[0]!), algorithm: 'hmac-sha512' }).write({
      zone: ZONE,
      name: `bad._propwatch.${ZONE}`,
      content: 'x',
      ttl: 5,
    });
    expect(result).toMatchObject({ ok: false, code: 'BADKEY' });
    expect(!result.ok && result.error).toContain(
      'NOTAUTH (TSIG error BADKEY): the server has no key "probe-key" with algorithm hmac-sha512',
    );
  });

  it('an unknown key name is BADKEY', async () => {
    const result = await writerFor({ ...keyConfig(KEYS[0]!), name: 'nobody-key' }).write({
      zone: ZONE,
      name: `bad._propwatch.${ZONE}`,
      content: 'x',
      ttl: 5,
    });
    expect(result).toMatchObject({ ok: false, code: 'BADKEY' });
    expect(!result.ok && result.error).toContain('the server has no key "nobody-key" with algorithm hmac-sha256');
  });

  it('a key without update rights is REFUSED', async () => {
    const name = `ro._propwatch.${ZONE}`;
    const result = await writerFor(keyConfig(KEYS[3]!)).write({ zone: ZONE, name, content: 'x', ttl: 5 });
    expect(result).toMatchObject({ ok: false, code: 'REFUSED' });
    // BIND verified the key and signed its refusal: a policy answer, not a key problem.
    expect(!result.ok && result.error).toBe(
      `REFUSED (signed): the server at 127.0.0.1 accepted key "reader-key" and refused to let it update ${name}: ` +
        "BIND: grant it in update-policy (or allow-update); PowerDNS: name it in the zone's TSIG-ALLOW-DNSUPDATE " +
        "metadata, with dnsupdate=yes and this probe's address in allow-dnsupdate-from",
    );
    expect(named.queryTxt(name)).toEqual([]);
  });

  it('a zone the server does not serve is NOTAUTH', async () => {
    const result = await writerFor(keyConfig(KEYS[0]!)).write({
      zone: 'other.test',
      name: 'x._propwatch.other.test',
      content: 'x',
      ttl: 5,
    });
    expect(result).toMatchObject({ ok: false, code: 'NOTAUTH' });
    expect(!result.ok && result.error).toBe(
      'NOTAUTH (signed): the server at 127.0.0.1 accepted key "probe-key" but is not authoritative for other.test (check the zone setting and that 127.0.0.1 is its primary)',
    );
  });

  it('a probe clock far off is BADTIME with the server time', async () => {
    const writer = createRfc2136Writer(
      {
        server: '127.0.0.1',
        port: named.port,
        transport: 'udp',
        timeoutMs: 2000,
        retries: 0,
        tsig: keyConfig(KEYS[0]!),
      },
      { wallClockMs: () => Date.now() - 3_600_000 },
    );
    const result = await writer.write({ zone: ZONE, name: `time._propwatch.${ZONE}`, content: 'x', ttl: 5 });
    expect(result).toMatchObject({ ok: false, code: 'BADTIME' });
    expect(!result.ok && result.error).toMatch(
      /server time is \S+Z, ours is \S+Z: clock skew -3[56]\d\d s exceeds the fudge of 300 s/,
    );
  });
});
