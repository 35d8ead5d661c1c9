/**
 * The anycast options over real sockets, one small network each: the answer
 * ring's bound, the bound on exchanges in flight under a flood from a distant
 * vantage, seeded UDP loss, reroutes from the start and on a schedule, unicast
 * without the vantage path, and anycast off.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork, type SimNetworkOptions } from '../src/index.js';
import { call } from './api-client.js';
import { buildQuery, nsidText, queryTcp, queryUdp, RRType } from './dns-client.js';
import { waitFor } from './wait-for.js';

let net: SimNetwork | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});
const start = async (options: SimNetworkOptions) => (net = await startSimNetwork({ timeScale: 0, ...options }));
const FAR = { name: 'far', sources: ['127.0.1.9'], rttMs: 300, catchment: { ns1: 'SJC', ns2: 'LAX' } };

/** Sends `count` SOA queries to `port` from `source` in one burst; resolves once they are all sent. */
async function burst(address: string, port: number, source: string, count: number): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, source, resolve));
  const query = buildQuery({ name: 'propwatch.test', type: RRType.SOA });
  await Promise.all(
    Array.from(
      { length: count },
      () => new Promise<void>((resolve) => socket.send(query, port, address, () => resolve())),
    ),
  );
  // Answers that come back are not read: the test reads the sim's counters.
  setTimeout(() => socket.close(), 2000).unref();
}

describe('anycast options', () => {
  it('answerLogSize bounds the answer ring; the admin API says what was overwritten', async () => {
    const n = await start({ pops: 2, answerLogSize: 5 });
    const ns1 = n.anycast[0]!;
    for (let i = 0; i < 20; i++) expect(await queryUdp(ns1.address, ns1.port, { name: n.zone })).not.toBeNull();
    expect([n.answers.size, n.answers.recorded]).toEqual([5, 20]);
    const page = (await call(`${n.adminUrl}/truth/answers`, n.adminToken)).body.result as {
      answers: Array<{ seq: number }>;
      oldest: number;
      capacity: number;
    };
    expect(page.answers.map((a) => a.seq)).toEqual([15, 16, 17, 18, 19]);
    expect([page.oldest, page.capacity]).toEqual([15, 5]);
  });

  it('a flood from a distant vantage holds at most maxPendingPerVantage exchanges; the rest is dropped and counted', async () => {
    const n = await start({ pops: 2, vantages: [FAR], maxPendingPerVantage: 20 });
    const ns1 = n.anycast[0]!;
    const far = () => n.vantages().find((v) => v.name === 'far')!.counters;
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, far().pending)), 1);
    try {
      await burst(ns1.address, ns1.port, '127.0.1.9', 300);
      await waitFor(() => far().queries === 300, 'all 300 queries received');
      await waitFor(() => far().pending === 0, 'the admitted exchanges answered', 10_000);
    } finally {
      clearInterval(sampler);
    }
    expect(far()).toMatchObject({ queries: 300, answered: 20, overflow: 280, lost: 0, pending: 0, pendingBytes: 0 });
    expect(peak).toBeLessThanOrEqual(20);
    // Other vantages are not starved by the flood.
    const local = await queryUdp(ns1.address, ns1.port, { name: n.zone, nsid: true });
    expect(local && nsidText(local)).toBe('sjc1.sim.propwatch');
    const metrics = await (await fetch(n.adminUrl.replace('/admin', '/metrics'))).text();
    expect(metrics).toMatch(/^propwatch_sim_vantage_overflow_total\{vantage="far"\} 280$/m);
  });

  it('udpLossRate loses that fraction of UDP queries from a seeded stream, and never a TCP query', async () => {
    const lossy = { ...FAR, rttMs: 0, udpLossRate: 0.3 };
    const n = await start({ pops: 2, seed: 5, vantages: [lossy] });
    const ns1 = n.anycast[0]!;
    await burst(ns1.address, ns1.port, '127.0.1.9', 400);
    const far = () => n.vantages().find((v) => v.name === 'far')!.counters;
    await waitFor(() => far().queries === 400, 'all 400 queries received');
    const { lost, answered } = far();
    expect(lost + answered).toBe(400);
    expect(lost / 400).toBeGreaterThan(0.24);
    expect(lost / 400).toBeLessThan(0.36);
    const tcp = await Promise.all(
      Array.from({ length: 20 }, () => queryTcp(ns1.address, ns1.port, { name: n.zone, source: '127.0.1.9' })),
    );
    expect(tcp.every(Boolean)).toBe(true);
    expect(far().lost).toBe(lost);
  });

  it('the same seed loses the same queries', async () => {
    const lossOf = async () => {
      const n = await start({ pops: 2, seed: 9, vantages: [{ ...FAR, rttMs: 0, udpLossRate: 0.5 }] });
      const ns1 = n.anycast[0]!;
      const pattern: boolean[] = [];
      for (let i = 0; i < 30; i++)
        pattern.push(
          (await queryUdp(ns1.address, ns1.port, { name: n.zone, source: '127.0.1.9', timeoutMs: 300 })) !== null,
        );
      await n.close();
      net = undefined;
      return pattern;
    };
    const first = await lossOf();
    expect(first.filter(Boolean).length).toBeGreaterThan(5);
    expect(first.filter(Boolean).length).toBeLessThan(25);
    expect(await lossOf()).toEqual(first);
  });

  it('reroutes set a catchment from the start, and move one on a schedule', async () => {
    const n = await start({ reroutes: ['us-west:ns2=ORD', 'us-west:ns1=LAX@300ms'] });
    const ns1 = n.anycast[0]!;
    const ns2 = n.anycast[1]!;
    const from = (address: string, port: number) =>
      queryUdp(address, port, { name: n.zone, nsid: true, source: '127.0.1.1' }).then((a) => a && nsidText(a));
    expect(await from(ns2.address, ns2.port)).toBe('ord1.sim.propwatch');
    expect(n.reroutes()).toEqual([]);
    await waitFor(
      () => n.vantages().find((v) => v.name === 'us-west')!.catchment.ns1 === 'LAX',
      'the scheduled reroute',
    );
    expect(await from(ns1.address, ns1.port)).toBe('lax1.sim.propwatch');
    expect(n.reroutes()).toEqual([
      expect.objectContaining({ vantage: 'us-west', from: 'SJC', to: 'LAX', by: 'schedule' }),
    ]);
  });

  it('a reroute naming something that does not exist stops the start with a message', async () => {
    await expect(startSimNetwork({ pops: 2, reroutes: ['us-west:ns1=LHR@1s'] })).rejects.toThrow(
      'reroutes[0] "us-west:ns1=LHR@1s": unknown POP "LHR"; POPs: SJC, LAX',
    );
  });

  it('vantagesOnUnicast: false answers a vantage at once on the POPs’ unicast addresses, still late on anycast', async () => {
    const n = await start({ pops: 2, vantages: [FAR], vantagesOnUnicast: false });
    const pop = n.pops[0]!;
    const ns1 = n.anycast[0]!;
    expect(await queryUdp(pop.address, pop.port, { name: n.zone, source: '127.0.1.9' })).not.toBeNull();
    expect(await queryUdp(ns1.address, ns1.port, { name: n.zone, source: '127.0.1.9' })).not.toBeNull();
    const [unicast, anycast] = n.answers.list().answers;
    expect(unicast).toMatchObject({ kind: 'unicast', vantage: 'far' });
    expect(unicast!.sentAt).toEqual(unicast!.receivedAt);
    expect(anycast!.sentAt.monotonicMs - anycast!.receivedAt.monotonicMs).toBeGreaterThanOrEqual(300);
  });

  it('anycast "none" binds no anycast address; vantages still delay unicast queries', async () => {
    const n = await start({ pops: 1, anycast: 'none', vantages: [{ name: 'far', sources: ['127.0.1.9'], rttMs: 40 }] });
    expect(n.anycast).toEqual([]);
    expect(n.vantages().map((v) => [v.name, v.catchment])).toEqual([
      ['far', {}],
      ['default', {}],
    ]);
    const pop = n.pops[0]!;
    expect(await queryUdp(pop.address, pop.port, { name: n.zone, source: '127.0.1.9' })).not.toBeNull();
    const [record] = n.answers.list().answers;
    expect(record!.sentAt.monotonicMs - record!.receivedAt.monotonicMs).toBeGreaterThanOrEqual(40);
  });
});
