import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type TestApp, TOKENS, buildTestApp, ingest, pop, report } from './helpers.js';

let t: TestApp;
beforeEach(() => {
  t = buildTestApp({ ingest: { bodyLimitBytes: 16_384, reportsPerSecond: 1, burst: 5 } });
});
afterEach(() => t.cleanup());

const valid = report('p1');
const withRound = (fields: Record<string, unknown>) => ({ ...valid, round: { ...valid.round, ...fields } });
const withPop = (fields: Record<string, unknown>) => withRound({ pops: [{ ...pop('LHR'), ...fields }] });

async function storedCount(): Promise<number> {
  return (await t.app.store.latestRounds({ limit: 100 })).length;
}

describe('POST /api/v1/rounds', () => {
  test('accepts a valid report, stores it and acknowledges with the outcome', async () => {
    const response = await ingest(t.app, valid);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ outcome: 'inserted', probe: 'p1', round: 'p1-r1', state: 'complete' });
    expect(await storedCount()).toBe(1);
    const again = await ingest(t.app, valid);
    expect(again.json()).toMatchObject({ outcome: 'unchanged' });
  });

  test('progress reports update a running round; a late duplicate does not move it back', async () => {
    const running = report('p1', {
      state: 'running',
      elapsedMs: 500,
      pops: [pop('LHR', { state: 'pending', lowerMs: 400, upperMs: undefined, estimateMs: undefined })],
    });
    expect((await ingest(t.app, running)).json()).toMatchObject({ outcome: 'inserted', state: 'running' });
    expect((await ingest(t.app, valid)).json()).toMatchObject({ outcome: 'updated', state: 'complete' });
    expect((await ingest(t.app, running)).json()).toMatchObject({ outcome: 'unchanged', state: 'complete' });
    const [stored] = await t.app.store.latestRounds({ limit: 1 });
    expect(stored).toMatchObject({ state: 'complete', elapsedMs: 2000 });
  });

  test.each<[string, () => Promise<{ statusCode: number; json: () => unknown }>, number, RegExp]>([
    ['malformed JSON', () => ingest(t.app, '{"wireVersion": 1, "probe": '), 400, /body is not valid JSON/],
    ['empty body', () => ingest(t.app, ''), 400, /body is empty/],
    [
      'not JSON content type',
      () => ingest(t.app, 'hello', 'p1', { 'content-type': 'text/plain' }),
      415,
      /Content-Type: application\/json/,
    ],
    [
      'a JSON array',
      () => ingest(t.app, []),
      400,
      /^body: expected an object with keys wireVersion, probe, round \(got a list of 0\)/,
    ],
    [
      'missing fields',
      () => ingest(t.app, { wireVersion: 1, probe: valid.probe }),
      400,
      /^body\.round is missing: expected an object with keys /,
    ],
    [
      'missing nested field',
      () => ingest(t.app, withRound({ serial: undefined })),
      400,
      /^body\.round\.serial is missing: expected a string matching /,
    ],
    [
      'wrong type',
      () => ingest(t.app, withRound({ elapsedMs: '2000' })),
      400,
      /body\.round\.elapsedMs: expected a number from 0 to 86400000 \(got "2000"\)/,
    ],
    [
      'negative time',
      () => ingest(t.app, withPop({ lowerMs: -1 })),
      400,
      /body\.round\.pops\[0\]\.lowerMs: expected a number from 0 to 86400000 \(got -1\)/,
    ],
    [
      'absurd time',
      () => ingest(t.app, withPop({ estimateMs: 1e12 })),
      400,
      /body\.round\.pops\[0\]\.estimateMs: expected a number from 0 to 86400000 \(got 1000000000000\)/,
    ],
    [
      'unknown field at top',
      () => ingest(t.app, { ...valid, admin: true }),
      400,
      /body: unknown field "admin" \(allowed: wireVersion, probe, round\)/,
    ],
    [
      'unknown field in a POP',
      () => ingest(t.app, withPop({ colour: 'red' })),
      400,
      /body\.round\.pops\[0\]: unknown field "colour"/,
    ],
    [
      'unknown state',
      () => ingest(t.app, withRound({ state: 'done' })),
      400,
      /body\.round\.state: expected one of running, complete, write_failed \(got "done"\)/,
    ],
    [
      'wrong wire version',
      () => ingest(t.app, { ...valid, wireVersion: 2 }),
      400,
      /body\.wireVersion: expected 1 \(got 2\)/,
    ],
    [
      'bad serial',
      () => ingest(t.app, withRound({ serial: '12ab' })),
      400,
      /body\.round\.serial: expected a string matching/,
    ],
    [
      'bad timestamp',
      () => ingest(t.app, withRound({ startedAt: 'yesterday' })),
      400,
      /body\.round\.startedAt: expected a string in date-time format/,
    ],
    [
      'oversized body',
      () => ingest(t.app, withRound({ pops: Array.from({ length: 200 }, (_, i) => pop(`P${i}`)) })),
      413,
      /larger than the configured limit \(ingest\.bodyLimitBytes\)/,
    ],
    ['missing token', () => ingest(t.app, valid, 'p1', { authorization: '' }), 401, /missing bearer token/],
    [
      'wrong scheme',
      () => ingest(t.app, valid, 'p1', { authorization: `Basic ${TOKENS.p1}` }),
      401,
      /missing bearer token/,
    ],
    ['unknown token', () => ingest(t.app, valid, 'not-a-configured-token'), 401, /unknown probe token/],
    [
      'impersonation: token of p2 reporting for p1',
      () => ingest(t.app, valid, 'p2'),
      403,
      /body\.probe\.id is "p1" but the token belongs to probe "p2"/,
    ],
  ])('%s → 4xx with a message naming the problem, nothing stored', async (_name, send, status, message) => {
    const response = await send();
    expect(response.statusCode).toBe(status);
    const body = response.json() as { statusCode: number; error: string; message: string };
    expect(body.statusCode).toBe(status);
    expect(typeof body.error).toBe('string');
    expect(body.message).toMatch(message);
    expect(await storedCount()).toBe(0);
  });

  test('rate limit per probe: 429 with Retry-After past the burst; other probes unaffected', async () => {
    for (let i = 0; i < 5; i++) expect((await ingest(t.app, report('p1', { id: `r${i}` }))).statusCode).toBe(200);
    const limited = await ingest(t.app, report('p1', { id: 'r5' }));
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.json()).toMatchObject({
      message: expect.stringMatching(/probe "p1" exceeds 1 reports\/s \(burst 5\)/),
    });
    expect((await ingest(t.app, report('p2'), 'p2')).statusCode).toBe(200);
    t.clock.advance(1000);
    expect((await ingest(t.app, report('p1', { id: 'r6' }))).statusCode).toBe(200);
  });

  test('a flood of garbage never produces a 5xx', async () => {
    const garbage: unknown[] = [
      null,
      0,
      'x',
      true,
      {},
      { probe: null },
      { wireVersion: 1, probe: 5, round: [] },
      withPop({ queries: 1.5 }),
      withPop({ nsid: 'x'.repeat(600) }),
      withRound({ pops: 'none' }),
    ];
    for (const body of garbage) {
      const response = await ingest(t.app, JSON.stringify(body));
      expect(response.statusCode, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(response.statusCode, JSON.stringify(body)).toBeLessThan(500);
      expect(response.json().message.length).toBeGreaterThan(5);
    }
    expect(await storedCount()).toBe(0);
  });
});
