/**
 * The answer ground truth agrees with the serving ground truth while a change
 * propagates, on real sockets: a distant vantage with heavy jitter polls both
 * anycast addresses and a unicast address every 2 ms across the change, and
 * every recorded answer must carry the version its POP served at the
 * recorded decision instant; along each path, a query received later never
 * carries an older version.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimNetwork, type AnsweredQuery, type SimNetwork } from '../src/index.js';
import { call } from './api-client.js';
import { buildQuery, RRType } from './dns-client.js';
import { waitFor } from './wait-for.js';

const RECORD = 'p1._propwatch.propwatch.test';
let net: SimNetwork;
beforeAll(async () => {
  net = await startSimNetwork({
    pops: 3,
    seed: 13,
    timeScale: 0.05,
    vantages: [{ name: 'far', sources: ['127.0.1.9'], rttMs: 60, jitterMs: 50, catchment: { ns1: 'SJC', ns2: 'LAX' } }],
  });
});
afterAll(() => net?.close());

it('every answer carries the version its POP served at its decision instant, and no path goes back in time', async () => {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.1.9', resolve));
  const targets = [...net.anycast, net.pops.find((p) => p.name === 'ORD')!];
  const query = buildQuery({ name: RECORD, type: RRType.TXT });
  const poll = setInterval(() => {
    for (const target of targets) socket.send(query, target.port, target.address);
  }, 2);
  try {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const written = await call(`${net.apiUrl}/zones/${net.zoneId}/dns_records`, net.apiToken, 'POST', {
      type: 'TXT',
      name: RECORD,
      content: 'propwatch=1 serial=5 probe=p1',
      ttl: 60,
    });
    expect(written.status).toBe(200);
    await waitFor(() => net.popStatus().every((p) => p.appliedVersion === 1), 'every POP on version 1', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    clearInterval(poll);
  }
  await waitFor(() => net.vantages()[0]!.counters.pending === 0, 'the answers in flight', 5000);
  socket.close();

  const answers = net.answers.list().answers;
  expect(answers.length).toBeGreaterThan(100);
  for (const answer of answers) {
    const decided = answer.decidedAt.monotonicMs;
    const servedFrom = net.truth.versionServedAt(answer.pop, answer.version);
    const next = net.truth.versionServedAt(answer.pop, answer.version + 1);
    expect(servedFrom!.monotonicMs, `${answer.seq} served before its decision`).toBeLessThanOrEqual(decided);
    if (next) expect(next.monotonicMs, `${answer.seq} decided before the next version`).toBeGreaterThan(decided);
    expect(answer.sentAt.monotonicMs - answer.receivedAt.monotonicMs).toBeGreaterThanOrEqual(60);
  }
  // Both versions were seen on every path, so the check above covered the switch itself.
  const byPath = new Map<string, AnsweredQuery[]>();
  for (const answer of answers) byPath.set(answer.via, [...(byPath.get(answer.via) ?? []), answer]);
  expect([...byPath.keys()].sort()).toEqual(['ORD', 'ns1', 'ns2']);
  for (const [via, path] of byPath) {
    expect(new Set(path.map((a) => a.version)), via).toEqual(new Set([0, 1]));
    const inOrder = [...path].sort((a, b) => a.receivedAt.monotonicMs - b.receivedAt.monotonicMs);
    const versions = inOrder.map((a) => a.version);
    expect(versions, via).toEqual([...versions].sort((a, b) => a - b));
  }
});
