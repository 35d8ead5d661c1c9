/**
 * The rfc2136 writer against a real Knot DNS primary started by the test: a
 * second, independent TSIG implementation signing our responses. Required in
 * CI; outside CI a missing knotd skips with the reason printed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRfc2136Writer, type Rfc2136Config } from '../src/writers/rfc2136/index.js';
import { type DnsServer, startKnot } from './testbed/dns-server.js';
import { knotUnavailable } from './testbed/tools.js';
import type { TestKey } from './testbed/zone-file.js';

const ZONE = 'example.test';
const secretOf = (bytes: number) => randomBytes(bytes).toString('base64');
const KEYS: TestKey[] = [
  { name: 'probe-key', algorithm: 'hmac-sha256', secret: secretOf(32), canUpdate: true },
  { name: 'probe-key-512', algorithm: 'hmac-sha512', secret: secretOf(64), canUpdate: true },
  { name: 'probe-key-sha1', algorithm: 'hmac-sha1', secret: secretOf(20), canUpdate: true },
  { name: 'reader-key', algorithm: 'hmac-sha256', secret: secretOf(32), canUpdate: false },
];

const unavailable = knotUnavailable();
if (unavailable && !process.env.CI) console.warn(`skipping Knot rfc2136 tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined && !process.env.CI)('rfc2136 writer against Knot DNS', () => {
  let knot: DnsServer;
  beforeAll(async () => {
    if (unavailable) throw new Error(`Knot DNS is required in CI: ${unavailable}`);
    knot = await startKnot({
      zone: ZONE,
      nsid: 'propwatch-test-knot',
      role: { kind: 'primary', keys: KEYS, notifyPorts: [] },
    });
  });
  afterAll(async () => {
    await knot?.stop();
  });

  const keyConfig = (key: TestKey): Rfc2136Config['tsig'] => ({
    name: key.name,
    algorithm: key.algorithm,
    secret: key.secret,
  });
  const write = (tsig: Rfc2136Config['tsig'], name: string, content = 'x', zone = ZONE) =>
    createRfc2136Writer({
      server: '127.0.0.1',
      port: knot.port,
      transport: 'udp',
      timeoutMs: 2000,
      retries: 1,
      tsig,
    }).write({ zone, name, content, ttl: 5 });

  it.each(KEYS.filter((key) => key.canUpdate).map((key) => [key.algorithm, key] as const))(
    '%s: the update lands and replaces the RRset',
    async (_alg, key) => {
      const name = `${key.algorithm}._propwatch.${ZONE}`;
      for (const serial of [1, 2]) {
        const content = `propwatch=1 serial=${serial} probe=knot`;
        expect(await write(keyConfig(key), name, content)).toMatchObject({ ok: true });
        expect(knot.queryTxt(name)).toEqual([`"${content}"`]);
      }
    },
  );

  it('a wrong secret is BADSIG', async () => {
    expect(await write({ ...keyConfig(KEYS[0]!), secret: secretOf(32) }, `bad._propwatch.${ZONE}`)).toMatchObject({
      ok: false,
      code: 'BADSIG',
    });
  });

  it('an unknown key name is BADKEY', async () => {
    expect(await write({ ...keyConfig(KEYS[0]!), name: 'nobody-key' }, `bad._propwatch.${ZONE}`)).toMatchObject({
      ok: false,
      code: 'BADKEY',
    });
  });

  it('a wrong algorithm is BADKEY', async () => {
    const result = await write({ ...keyConfig(KEYS[0]!), algorithm: 'hmac-sha512' }, `bad._propwatch.${ZONE}`);
    expect(result).toMatchObject({ ok: false, code: 'BADKEY' });
    expect(!result.ok && result.error).toContain(
      'NOTAUTH (TSIG error BADKEY): the server has no key "probe-key" with algorithm hmac-sha512',
    );
  });

  it('a key that matches no update ACL is BADKEY (Knot answers NOTAUTH + BADKEY, not REFUSED)', async () => {
    const name = `ro._propwatch.${ZONE}`;
    const result = await write(keyConfig(KEYS[3]!), name);
    expect(result).toMatchObject({ ok: false, code: 'BADKEY' });
    expect(!result.ok && result.error).toContain(
      'or the key matches no acl with action update for example.test (Knot)',
    );
    expect(knot.queryTxt(name)).toEqual([]);
  });

  it('a zone the server does not serve is NOTAUTH, unsigned', async () => {
    const result = await write(keyConfig(KEYS[0]!), 'x._propwatch.other.test', 'x', 'other.test');
    expect(result).toMatchObject({ ok: false, code: 'NOTAUTH' });
    expect(!result.ok && result.error).toContain(
      'NOTAUTH (unsigned): the server at 127.0.0.1 is not authoritative for other.test (Knot answers a zone it does not serve so)',
    );
  });
});
