/**
 * A status that arrives on the stream passes the very check a polled one
 * does: for each hostile or broken body, the poller's verdict and the
 * stream's are the same (accepted with the same status, or refused for the
 * same reason), and a refused event ends the connection with nothing shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatusFetcher } from '../src/status-fetcher.js';
import { runStreamConnection, type StreamEnd } from '../src/stream/stream-connection.js';
import type { Status } from '@propwatch/shared';
import { ManualClock } from './manual-clock.js';
import { startTestAggregator, statusBody, type TestAggregator } from './sse-test-server.js';

let agg: TestAggregator;
beforeAll(async () => {
  agg = await startTestAggregator();
});
afterAll(async () => {
  await agg.close();
});

const ok = statusBody('ok');
const CASES: Array<[string, unknown]> = [
  ['an unknown state', { ...ok, state: 'fine' }],
  ['a missing field', { ...ok, reason: undefined }],
  ['a negative worst', { ...ok, worstMs: -1 }],
  ['a number as the reason', { ...ok, reason: 42 }],
  ['an array', [ok]],
  ['null', null],
  ['a nested extra field', { ...ok, worst: { probe: 'a', pop: 'LHR', evil: true } }],
  ['a __proto__ key', JSON.parse(`{"__proto__": {"state": "alarm"}, ${JSON.stringify(ok).slice(1)}`)],
  ['a top-level field of a newer aggregator (accepted)', { ...ok, later: { any: 'shape' } }],
  ['a valid alarm (accepted)', statusBody('alarm')],
];

async function viaStream(): Promise<{ end: StreamEnd; statuses: Status[] }> {
  const statuses: Status[] = [];
  const stop = new AbortController();
  const ending = runStreamConnection(
    { url: agg.url, timeoutMs: 10_000, silenceMs: 10_000, clock: new ManualClock(), signal: stop.signal },
    { onStatus: (status) => void statuses.push(status), onHeartbeat: () => {}, onRetry: () => {} },
  );
  // The first event is sent on connect; once it is read (or refused), the connection can go.
  for (let i = 0; i < 10_000 && statuses.length === 0 && agg.streams.size === 0; i++)
    await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 10_000 && statuses.length === 0 && agg.streams.size > 0; i++)
    await new Promise((resolve) => setImmediate(resolve));
  stop.abort();
  return { end: await ending, statuses };
}

describe('a status from the stream is checked exactly as a polled one', () => {
  it.each(CASES)('%s', async (_what, body) => {
    agg.status = body;
    const polled = await createStatusFetcher({ url: agg.url, timeoutMs: 10_000 })();
    const { end, statuses } = await viaStream();
    if (polled.ok) {
      expect(statuses).toEqual([polled.status]);
      expect(end.reason).toBe('stopped');
    } else {
      expect(polled.reason).toMatch(/^body is not a Status: /);
      expect(statuses).toEqual([]);
      expect(end.reason).toBe(`dropped the stream from ${agg.url}/api/v1/status/stream: ${polled.reason}`);
      expect(end.failover).toBe(false);
    }
  });
});
