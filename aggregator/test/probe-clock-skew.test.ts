/**
 * An honest probe whose clock is an hour ahead, against a real aggregator
 * over HTTP: every report is refused (400 PROPWATCH_CLOCK_SKEW, nothing
 * stored), and the probe says so in an error it can act on — the
 * aggregator's own message and an NTP hint, once per round rather than once
 * per progress report — instead of looping or failing silently; the refused
 * reports are kept (bounded) in spool/rejected.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reporter } from '@propwatch/probe';
import { createLogger, type RoundReport } from '@propwatch/shared';
import { afterEach, expect, it } from 'vitest';
import { T0, TOKENS, type TestApp, buildTestApp, pop, report } from './helpers.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
};

it('a probe with its clock an hour ahead logs the refusal with the reason and an NTP hint, once per round', async () => {
  t = buildTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/rounds`;
  const errors: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: 'probe',
    level: 'warn',
    destination: {
      write: (line: string) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        if (record.level === 50) errors.push(record);
      },
    },
  });
  const spoolDir = mkdtempSync(join(tmpdir(), 'propwatch-skew-'));
  const reporter = new Reporter(
    { url, token: TOKENS.p1!, timeoutMs: 2000, backoffBaseMs: 5, backoffMaxMs: 20, spoolDir, maxSpoolFiles: 100 },
    { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), logger },
    logger,
  );
  reporter.start();
  const aheadStart = new Date(T0 + 3_600_000).toISOString();
  const progress = (n: number, elapsedMs: number): RoundReport =>
    report('p1', {
      id: `p1-r${n}`,
      serial: String(1_735_693_200_000 + n),
      startedAt: aheadStart,
      state: 'running',
      elapsedMs,
      pops: [pop('LHR', { state: 'pending', lowerMs: elapsedMs, upperMs: undefined, estimateMs: undefined })],
    });
  for (const elapsed of [1000, 2000, 3000]) {
    expect(reporter.submit(progress(1, elapsed))).toBe('spooled');
    await until(() => reporter.spool.size === 0);
  }
  expect(reporter.submit(progress(2, 1000))).toBe('spooled');
  await until(() => reporter.spool.size === 0);
  await reporter.stop();

  expect(errors.map((e) => e.roundId)).toEqual(['p1-r1', 'p1-r2']);
  expect(errors[0]).toMatchObject({ status: 400, code: 'PROPWATCH_CLOCK_SKEW' });
  expect(errors[0]!.msg).toBe(
    'aggregator refused the report for good (HTTP 400 PROPWATCH_CLOCK_SKEW): body.round.startedAt: ' +
      "2025-01-01T01:00:00.000Z is 3600 s ahead of the aggregator's clock (2025-01-01T00:00:00.000Z); at most " +
      "600 s is accepted (ingest.maxClockSkewMs 600000). Check the probe's clock (NTP); nothing was stored; " +
      "kept in spool/rejected. This probe's clock is off (or the aggregator's): fix NTP; until then every report is " +
      'refused.',
  );
  expect(readdirSync(join(spoolDir, 'rejected')).sort()).toEqual(['round-p1-r1.json', 'round-p1-r2.json']);
  expect(await t.app.store.latestRounds({ limit: 10 })).toEqual([]);
});
