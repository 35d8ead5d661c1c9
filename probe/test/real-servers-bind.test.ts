/**
 * The probe (real rfc2136 writer, querier and round engine) against real
 * replication: a BIND 9 primary NOTIFYing a BIND and a Knot secondary, and a
 * BIND secondary without NOTIFY that only refreshes on the SOA timer.
 * Required in CI; outside CI missing servers skip with the reason printed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe } from '../src/create-probe.js';
import { createRfc2136Writer } from '../src/writers/rfc2136/index.js';
import { observeWriter } from './testbed/observed-writer.js';
import { removeProbeDirs, testbedProbeConfig, type TestbedProbeOptions } from './testbed/probe-config.js';
import { type Testbed, startTestbed } from './testbed/testbed.js';
import { knotUnavailable, namedUnavailable, skipReason } from './testbed/tools.js';
import type { TestKey } from './testbed/zone-file.js';
import { popResult, randomSecret } from './testbed/test-values.js';

const ZONE = 'example.test';
/** The lagging secondary's SOA refresh. BIND waits refresh minus up to 25 % jitter between checks. */
const LAG_REFRESH_S = 5;
/** Slack for the IXFR itself and for the poll interval when asserting against the refresh timer. */
const TRANSFER_SLACK_MS = 1500;
const secretOf = randomSecret;
const PROBE_KEY: TestKey = { name: 'probe-key', algorithm: 'hmac-sha256', secret: secretOf(32), canUpdate: true };
const READER_KEY: TestKey = { name: 'reader-key', algorithm: 'hmac-sha256', secret: secretOf(32), canUpdate: false };

const missing = [namedUnavailable(), knotUnavailable()];
const skip = skipReason('real-server tests (BIND primary)', ...missing);

const pop = popResult;

describe.skipIf(skip !== undefined)('probe against a BIND primary with BIND and Knot secondaries', () => {
  let bed: Testbed;
  beforeAll(async () => {
    const reasons = missing.filter((reason) => reason !== undefined);
    if (reasons.length > 0) throw new Error(`BIND and Knot are required in CI: ${reasons.join('; ')}`);
    bed = await startTestbed({
      bindZone: ZONE,
      knotZone: 'knot.test',
      keys: [PROBE_KEY, READER_KEY],
      lagRefreshS: LAG_REFRESH_S,
    });
  });
  afterAll(async () => {
    await bed?.stop();
    removeProbeDirs();
  });

  const configFor = (options: Partial<TestbedProbeOptions> & Pick<TestbedProbeOptions, 'probeId' | 'targets'>) =>
    testbedProbeConfig({ zone: ZONE, primary: bed.bindPrimary, key: PROBE_KEY, ...options });

  it('notified secondaries serve the update well before the lagging one, which follows its refresh timer', async () => {
    const targets = [bed.bindSecondary, bed.knotSecondary, bed.laggingSecondary];
    const probe = createProbe(
      configFor({ probeId: 'bind-rounds', targets, round: { maxWaitMs: LAG_REFRESH_S * 1000 + 5000 } }),
    );
    try {
      // Round 1 ends right after the lagging secondary refreshed (or, if that
      // refresh came early, once the Knot secondary caught up, ~1 s later), so
      // round 2's write lands near the start of the lagging one's next refresh
      // period: round 2 measures nearly a whole period, 0.75 to 1 refresh.
      const first = await probe.runner.runOnce();
      expect(first.report.round.state).toBe('complete');
      expect(first.report.round.pops.map((result) => result.state)).toEqual(['propagated', 'propagated', 'propagated']);
      expect(pop(first.report.round.pops, 'bind-lagging').upperMs).toBeLessThanOrEqual(
        LAG_REFRESH_S * 1000 + TRANSFER_SLACK_MS,
      );

      const { report } = await probe.runner.runOnce();
      const { round } = report;
      expect(round.state).toBe('complete');
      const content = `"propwatch=1 serial=${round.serial} probe=bind-rounds"`;
      expect(bed.bindPrimary.queryTxt(probe.record)).toEqual([content]);
      for (const server of targets) {
        const result = pop(round.pops, server.nsid);
        expect(result).toMatchObject({ state: 'propagated', nsid: server.nsid, target: `127.0.0.1:${server.port}` });
        expect(server.queryTxt(probe.record)).toEqual([content]);
      }
      const lagging = pop(round.pops, 'bind-lagging');
      expect(lagging.lowerMs).toBeGreaterThanOrEqual(LAG_REFRESH_S * 750 - TRANSFER_SLACK_MS);
      expect(lagging.upperMs).toBeLessThanOrEqual(LAG_REFRESH_S * 1000 + TRANSFER_SLACK_MS);
      for (const name of ['bind-secondary', 'knot-secondary']) {
        const notified = pop(round.pops, name);
        expect(notified.upperMs).toBeLessThan(Math.min(lagging.lowerMs, LAG_REFRESH_S * 1000) / 2);
      }
      console.info(
        `measured: ${round.pops.map((result) => `${result.pop} ${result.estimateMs} ms [${result.lowerMs}, ${result.upperMs}]`).join('; ')}`,
      );
    } finally {
      await probe.close();
    }
  });

  it('a secondary stopped right after the write is unreachable (not a slow POP) while the others propagate', async () => {
    const config = configFor({
      probeId: 'bind-stopped',
      targets: [bed.bindSecondary, bed.knotSecondary],
      round: { maxWaitMs: 1500 },
      query: { timeoutMs: 300 },
    });
    const observed = observeWriter(createRfc2136Writer(config.writer.rfc2136), (result) => {
      if (result.ok) bed.bindSecondary.pause();
    });
    const probe = createProbe(config, { writer: observed.writer });
    try {
      const { round } = (await probe.runner.runOnce()).report;
      expect(round.state).toBe('complete');
      const stopped = pop(round.pops, 'bind-secondary');
      // Unreachable at the round's elapsed time: it waited out maxWaitMs (timers may fire a fraction of a ms early).
      expect(stopped).toMatchObject({ state: 'unreachable', lowerMs: round.elapsedMs });
      expect(round.elapsedMs).toBeGreaterThan(1490);
      expect(stopped.failures).toBeGreaterThan(0);
      expect(stopped.failures).toBe(stopped.queries);
      expect(stopped.lastError).toMatch(/^timeout: no answer from 127\.0\.0\.1#\d+ within 300 ms/);
      expect(pop(round.pops, 'knot-secondary')).toMatchObject({
        state: 'propagated',
        nsid: 'knot-secondary',
        failures: 0,
      });
    } finally {
      bed.bindSecondary.resume();
      await probe.close();
    }
  });

  const refusals = [
    {
      why: 'a wrong TSIG secret',
      code: 'BADSIG',
      key: { ...PROBE_KEY, secret: secretOf(32) },
      zone: ZONE,
      text: 'NOTAUTH (TSIG error BADSIG): the server knows key "probe-key"',
    },
    {
      why: 'a wrong algorithm',
      code: 'BADKEY',
      key: { ...PROBE_KEY, algorithm: 'hmac-sha512' as const },
      zone: ZONE,
      text: 'NOTAUTH (TSIG error BADKEY): the server has no key "probe-key" with algorithm hmac-sha512',
    },
    {
      why: 'an unknown key name',
      code: 'BADKEY',
      key: { ...PROBE_KEY, name: 'nobody-key' },
      zone: ZONE,
      text: 'NOTAUTH (TSIG error BADKEY): the server has no key "nobody-key" with algorithm hmac-sha256',
    },
    {
      why: 'a key without update rights',
      code: 'REFUSED',
      key: READER_KEY,
      zone: ZONE,
      text: 'REFUSED (signed): the server at 127.0.0.1 accepted key "reader-key" and refused to let it update bind-refused._propwatch.example.test: BIND: grant it in update-policy (or allow-update)',
    },
    {
      why: 'a zone the server does not serve',
      code: 'NOTAUTH',
      key: PROBE_KEY,
      zone: 'other.test',
      text: 'NOTAUTH (signed): the server at 127.0.0.1 accepted key "probe-key" but is not authoritative for other.test',
    },
  ];
  it.each(refusals)('$why: $code and a write_failed round', async ({ code, key, zone, text }) => {
    const config = configFor({ probeId: 'bind-refused', zone, key, targets: [bed.bindSecondary] });
    const observed = observeWriter(createRfc2136Writer(config.writer.rfc2136));
    const probe = createProbe(config, { writer: observed.writer });
    try {
      const { round } = (await probe.runner.runOnce()).report;
      expect(round).toMatchObject({ state: 'write_failed', pops: [] });
      expect(round.write.error).toContain(text);
      expect(observed.results).toEqual([expect.objectContaining({ ok: false, code, retryable: false })]);
      // Answered, not timed out: a refusal must never cost the write timeout.
      expect(round.write.submitToAckMs).toBeLessThan(config.writer.rfc2136.timeoutMs);
      expect(bed.bindPrimary.queryTxt(probe.record)).toEqual([]);
    } finally {
      await probe.close();
    }
  });
});
