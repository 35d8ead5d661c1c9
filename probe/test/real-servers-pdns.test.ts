/**
 * The probe against PowerDNS Authoritative (Debian pdns-server with the
 * gsqlite3 backend) as the write target: rfc2136 updates signed with TSIG
 * (keys in the tsigkeys table, rights in TSIG-ALLOW-DNSUPDATE metadata),
 * NSID from `server-id`, and a BIND secondary that PowerDNS NOTIFYs after
 * each update. PowerDNS answers every key problem with an unsigned REFUSED
 * (and logs the cause), so the errors are worded by what it answered.
 * Required in CI; outside CI a missing PowerDNS or BIND skips with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe } from '../src/create-probe.js';
import { createRfc2136Writer } from '../src/writers/rfc2136/index.js';
import { observeWriter } from './testbed/observed-writer.js';
import { startPdns } from './testbed/pdns-server.js';
import { type PdnsTestbed, startPdnsTestbed } from './testbed/pdns-testbed.js';
import { removeProbeDirs, testbedProbeConfig, type TestbedProbeOptions } from './testbed/probe-config.js';
import { popResult, randomSecret } from './testbed/test-values.js';
import { namedUnavailable, pdnsUnavailable, skipReason } from './testbed/tools.js';
import type { TestKey } from './testbed/zone-file.js';

const ZONE = 'pdns.test';
const PROBE_KEY: TestKey = { name: 'probe-key', algorithm: 'hmac-sha256', secret: randomSecret(32), canUpdate: true };
const KEYS: TestKey[] = [
  PROBE_KEY,
  { name: 'probe-key-512', algorithm: 'hmac-sha512', secret: randomSecret(64), canUpdate: true },
  { name: 'probe-key-sha1', algorithm: 'hmac-sha1', secret: randomSecret(20), canUpdate: true },
  { name: 'reader-key', algorithm: 'hmac-sha256', secret: randomSecret(32), canUpdate: false },
];

/** The server's log once it contains `text`, or as it is after 5 s. */
async function logged(server: PdnsTestbed['primary'], text: string): Promise<string> {
  for (const until = Date.now() + 5000; !server.log().includes(text) && Date.now() < until;)
    await new Promise((resolve) => setTimeout(resolve, 20));
  return server.log();
}

const missing = [pdnsUnavailable(), namedUnavailable()];
const skip = skipReason('real-server tests (PowerDNS primary)', ...missing);

describe.skipIf(skip !== undefined)('probe against a PowerDNS primary with a BIND secondary', () => {
  let bed: PdnsTestbed;
  beforeAll(async () => {
    const reasons = missing.filter((reason) => reason !== undefined);
    if (reasons.length > 0) throw new Error(`PowerDNS and BIND are required in CI: ${reasons.join('; ')}`);
    bed = await startPdnsTestbed(ZONE, KEYS);
  });
  afterAll(async () => {
    await bed?.stop();
    removeProbeDirs();
  });

  const configFor = (options: Partial<TestbedProbeOptions> & Pick<TestbedProbeOptions, 'probeId'>) =>
    testbedProbeConfig({
      zone: ZONE,
      primary: bed.primary,
      key: PROBE_KEY,
      targets: [bed.primary, bed.secondary],
      round: { maxWaitMs: 5000 },
      ...options,
    });

  it('rounds propagate to PowerDNS itself and its notified BIND secondary, each named by NSID', async () => {
    const probe = createProbe(configFor({ probeId: 'pdns-rounds' }));
    try {
      for (let i = 0; i < 2; i++) {
        const { round } = (await probe.runner.runOnce()).report;
        expect(round.state).toBe('complete');
        const content = `"propwatch=1 serial=${round.serial} probe=pdns-rounds"`;
        for (const server of [bed.primary, bed.secondary]) {
          expect(popResult(round.pops, server.nsid)).toMatchObject({
            state: 'propagated',
            nsid: server.nsid,
            target: `127.0.0.1:${server.port}`,
            failures: 0,
          });
          expect(server.queryTxt(probe.record)).toEqual([content]);
        }
        // PowerDNS applied the update before it acked, so its very first answer is a hit: no miss at all
        // (lower bound 0). Queries sent before that answer came back (one per 25 ms) may have hit too.
        expect(popResult(round.pops, 'pdns-primary')).toMatchObject({ lowerMs: 0, failures: 0 });
        // The secondary can only serve it after PowerDNS's NOTIFY and the transfer that follows.
        const secondary = popResult(round.pops, 'pdns-bind-secondary');
        expect(secondary.upperMs).toBeGreaterThan(0);
        console.info(
          `measured (PowerDNS primary, round ${i + 1}): ${round.pops.map((result) => `${result.pop} ${result.estimateMs} ms [${result.lowerMs}, ${result.upperMs}]`).join('; ')}`,
        );
      }
    } finally {
      await probe.close();
    }
  });

  it.each(KEYS.filter((key) => key.canUpdate).map((key) => [key.algorithm, key] as const))(
    '%s: the update lands',
    async (_algorithm, key) => {
      const writer = createRfc2136Writer({
        server: '127.0.0.1',
        port: bed.primary.port,
        transport: 'udp',
        timeoutMs: 2000,
        retries: 1,
        tsig: { name: key.name, algorithm: key.algorithm, secret: key.secret },
      });
      const name = `${key.algorithm}._propwatch.${ZONE}`;
      const content = `propwatch=1 serial=7 probe=${key.algorithm}`;
      expect(await writer.write({ zone: ZONE, name, content, ttl: 5 })).toMatchObject({ ok: true });
      expect(bed.primary.queryTxt(name)).toEqual([`"${content}"`]);
      await writer.close?.();
    },
  );

  // What PowerDNS 4.7 answers, and what its log says (the real cause the answer cannot carry).
  const UNSIGNED_REFUSAL =
    'REFUSED (unsigned): the server at 127.0.0.1 refused the update of pdns-refused._propwatch.pdns.test without signing its answer, so it may not have accepted key';
  const refusals = [
    {
      why: 'a wrong TSIG secret',
      key: { ...PROBE_KEY, secret: randomSecret(32) },
      zone: ZONE,
      code: 'REFUSED',
      text: `${UNSIGNED_REFUSAL} "probe-key" (hmac-sha256) at all. PowerDNS answers this for an unknown key, a wrong secret or a wrong algorithm`,
      log: "Signature with TSIG key 'probe-key' failed to validate",
    },
    {
      why: 'an unknown key name',
      key: { ...PROBE_KEY, name: 'nobody-key' },
      zone: ZONE,
      code: 'REFUSED',
      text: `${UNSIGNED_REFUSAL} "nobody-key" (hmac-sha256) at all`,
      log: "can't find TSIG key with name 'nobody-key'",
    },
    {
      why: 'a wrong algorithm',
      key: { ...PROBE_KEY, algorithm: 'hmac-sha512' as const },
      zone: ZONE,
      code: 'REFUSED',
      text: `${UNSIGNED_REFUSAL} "probe-key" (hmac-sha512) at all`,
      log: "Signature with TSIG key 'probe-key' does not match the expected algorithm",
    },
    {
      why: 'a key without update rights',
      key: KEYS[3]!,
      zone: ZONE,
      code: 'REFUSED',
      text: 'REFUSED (signed): the server at 127.0.0.1 accepted key "reader-key" and refused to let it update pdns-refused._propwatch.pdns.test: BIND: grant it in update-policy (or allow-update); PowerDNS: name it in the zone\'s TSIG-ALLOW-DNSUPDATE metadata',
      log: 'TSIG key (reader-key) required, but no matching key found in domainmetadata',
    },
    {
      why: 'a zone the server does not serve',
      key: PROBE_KEY,
      zone: 'other.test',
      code: 'NOTAUTH',
      text: 'NOTAUTH (signed): the server at 127.0.0.1 accepted key "probe-key" but is not authoritative for other.test',
      log: "Can't determine backend for domain 'other.test'",
    },
  ];
  it.each(refusals)('$why: $code, worded by what PowerDNS answered', async ({ key, zone, code, text, log }) => {
    const config = configFor({ probeId: 'pdns-refused', zone, key, targets: [bed.secondary] });
    const observed = observeWriter(createRfc2136Writer(config.writer.rfc2136));
    const probe = createProbe(config, { writer: observed.writer });
    try {
      const { round } = (await probe.runner.runOnce()).report;
      expect(round).toMatchObject({ state: 'write_failed', pops: [] });
      expect(round.write.error).toContain(text);
      expect(observed.results).toEqual([expect.objectContaining({ ok: false, code, retryable: false })]);
      // Answered, not timed out.
      expect(round.write.submitToAckMs).toBeLessThan(config.writer.rfc2136.timeoutMs);
      expect(bed.primary.queryTxt(probe.record)).toEqual([]);
      // The answer can overtake the log line on its way through the pipe from pdns_server.
      expect(await logged(bed.primary, log)).toContain(log);
    } finally {
      await probe.close();
    }
  });

  it('with dnsupdate=no it refuses, signed: the message points at the setting', async () => {
    const off = await startPdns({
      zone: ZONE,
      serverId: 'pdns-no-update',
      keys: KEYS,
      notifyPorts: [],
      dnsupdate: false,
    });
    try {
      const result = await createRfc2136Writer({
        server: '127.0.0.1',
        port: off.port,
        transport: 'udp',
        timeoutMs: 2000,
        retries: 0,
        tsig: { name: PROBE_KEY.name, algorithm: PROBE_KEY.algorithm, secret: PROBE_KEY.secret },
      }).write({ zone: ZONE, name: `off._propwatch.${ZONE}`, content: 'x', ttl: 5 });
      expect(result).toMatchObject({ ok: false, code: 'REFUSED', retryable: false });
      expect(!result.ok && result.error).toMatch(/^REFUSED \(signed\): .* with dnsupdate=yes and this probe's address/);
    } finally {
      await off.stop();
    }
  });
});
