/**
 * Simulated anycast over real sockets: the default network (14 POPs, ns1 and
 * ns2, five vantages), queried from each vantage's source address (the
 * loopback /8 is routable on Linux, so a client binds 127.0.1.x). Which POP
 * answered is read from the NSID, as a probe would; how long the exchange took
 * is read from the sim's own ground truth, never from the wall clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { call } from './api-client.js';
import { nsidText, queryTcp, queryUdp, RRType } from './dns-client.js';

const ADMIN = 'anycast-admin-token';
let net: SimNetwork;
beforeAll(async () => {
  net = await startSimNetwork({ seed: 3, timeScale: 0, adminToken: ADMIN });
});
afterAll(() => net?.close());

const SOURCES: Record<string, string> = {
  'us-west': '127.0.1.1',
  'us-east': '127.0.1.2',
  'me-central': '127.0.1.3',
  'sa-east': '127.0.1.4',
  'ap-south': '127.0.1.5',
  default: '127.0.0.1',
};
const nsidOf = (pop: string) => net.pops.find((p) => p.name === pop)!.nsid;
const anycastAddress = (name: string) => net.anycast.find((a) => a.name === name)!;
const ask = async (via: string, source: string, transport: 'udp' | 'tcp' = 'udp') => {
  const { address, port } = anycastAddress(via);
  const query = transport === 'udp' ? queryUdp : queryTcp;
  const answer = await query(address, port, { name: net.zone, type: RRType.SOA, nsid: true, source, timeoutMs: 3000 });
  return answer && nsidText(answer);
};
const admin = (path: string, method = 'GET', body?: unknown) => call(`${net.adminUrl}${path}`, ADMIN, method, body);

describe('anycast addresses and vantages', () => {
  it('serve ns1 and ns2 on loopback, on one port, beside every POP’s own address', () => {
    expect(net.anycast).toEqual([
      { name: 'ns1', address: '127.0.53.1', port: expect.any(Number) },
      { name: 'ns2', address: '127.0.53.2', port: net.anycast[0]!.port },
    ]);
    expect(net.pops).toHaveLength(14);
  });

  it('answer from the POP of the sender’s vantage catchment (NSID), over UDP and TCP; unknown sources get the default', async () => {
    const catchments = Object.fromEntries(net.vantages().map((v) => [v.name, v.catchment]));
    const cases = Object.entries(SOURCES).flatMap(([vantage, source]) =>
      ['ns1', 'ns2'].flatMap((via) =>
        (['udp', 'tcp'] as const).map((transport) => ({ vantage, source, via, transport })),
      ),
    );
    const seen = await Promise.all(cases.map((c) => ask(c.via, c.source, c.transport)));
    expect(seen).toEqual(cases.map((c) => nsidOf(catchments[c.vantage]![c.via]!)));
    expect(catchments['me-central']).toEqual({ ns1: 'LHR', ns2: 'AMS' });
    expect(catchments.default).toEqual({ ns1: 'SJC', ns2: 'LAX' });
    // The ground truth says the same, per vantage: the source 127.0.0.1 is no vantage's, so it is `default`'s.
    const fromLoopback = net.answers.list({ vantage: 'default' }).answers;
    expect(fromLoopback.length).toBeGreaterThanOrEqual(4);
    expect(new Set(fromLoopback.map((a) => a.source))).toEqual(new Set(['127.0.0.1']));
  });

  it('record each answer’s received, decided and sent instants: no answer leaves before the vantage RTT', async () => {
    const before = net.answers.recorded;
    await Promise.all(Object.values(SOURCES).map((source) => ask('ns1', source)));
    const rtt = Object.fromEntries(net.vantages().map((v) => [v.name, v.rttMs]));
    const recorded = net.answers.list({ since: before }).answers;
    expect(recorded.map((a) => a.vantage).sort()).toEqual(Object.keys(SOURCES).sort());
    for (const answer of recorded) {
      const inbound = answer.decidedAt.monotonicMs - answer.receivedAt.monotonicMs;
      const outbound = answer.sentAt.monotonicMs - answer.decidedAt.monotonicMs;
      expect(inbound, answer.vantage).toBeGreaterThanOrEqual(rtt[answer.vantage]! / 2);
      expect(outbound, answer.vantage).toBeGreaterThanOrEqual(rtt[answer.vantage]! / 2);
      // Both clocks agree (epoch ms near 1.7e12 keep about 0.2 µs of precision).
      expect(answer.sentAt.epochMs - answer.receivedAt.epochMs).toBeCloseTo(inbound + outbound, 2);
    }
    expect(recorded.find((a) => a.vantage === 'ap-south')).toMatchObject({
      via: 'ns1',
      kind: 'anycast',
      pop: 'SIN',
      nsid: 'sin1.sim.propwatch',
      source: '127.0.1.5',
      qname: net.zone,
      qtype: RRType.SOA,
      version: 0,
      serial: 1,
    });
  });

  it('delay a known vantage’s queries to a POP’s unicast address too (a distant probe sees every address late)', async () => {
    const lhr = net.pops.find((p) => p.name === 'LHR')!;
    const before = net.answers.recorded;
    const answer = await queryUdp(lhr.address, lhr.port, { name: net.zone, nsid: true, source: SOURCES['sa-east'] });
    expect(answer && nsidText(answer)).toBe(lhr.nsid);
    const [record] = net.answers.list({ since: before, via: 'LHR' }).answers;
    expect(record).toMatchObject({ vantage: 'sa-east', kind: 'unicast', pop: 'LHR' });
    expect(record!.sentAt.monotonicMs - record!.receivedAt.monotonicMs).toBeGreaterThanOrEqual(150);
  });

  it('leave POPs in no vantage’s catchment by default (blind spots), listed by GET /admin/vantages', async () => {
    const reply = await admin('/vantages');
    expect(reply.status).toBe(200);
    const result = reply.body.result as {
      vantages: Array<{ name: string; sources: string[]; rttMs: number; catchment: Record<string, string> }>;
      anycast: Array<{ name: string; address: string; port: number }>;
      vantagesOnUnicast: boolean;
    };
    expect(result.vantages.map((v) => [v.name, v.sources, v.rttMs])).toEqual([
      ['us-west', ['127.0.1.1'], 5],
      ['us-east', ['127.0.1.2'], 20],
      ['me-central', ['127.0.1.3'], 80],
      ['sa-east', ['127.0.1.4'], 150],
      ['ap-south', ['127.0.1.5'], 250],
      ['default', [], 0],
    ]);
    expect(result.anycast.map((a) => [a.name, a.address, a.port])).toEqual(
      net.anycast.map((a) => [a.name, a.address, a.port]),
    );
    expect(result.vantagesOnUnicast).toBe(true);
    const reached = new Set(result.vantages.flatMap((v) => Object.values(v.catchment)));
    expect(net.pops.map((p) => p.name).filter((pop) => !reached.has(pop))).toEqual(['ORD', 'FRA', 'CDG', 'SYD']);
  });

  it('reroute at run time (POST /admin/reroute) moves the answering POP, logged and in /metrics', async () => {
    expect(await ask('ns1', SOURCES['me-central']!)).toBe(nsidOf('LHR'));
    const reply = await admin('/reroute', 'POST', { vantage: 'me-central', address: 'ns1', pop: 'fra' });
    expect(reply.status).toBe(200);
    expect(reply.body.result).toMatchObject({
      reroute: { vantage: 'me-central', address: 'ns1', from: 'LHR', to: 'FRA', by: 'admin' },
      vantage: { name: 'me-central', catchment: { ns1: 'FRA', ns2: 'AMS' } },
    });
    expect(await ask('ns1', SOURCES['me-central']!)).toBe(nsidOf('FRA'));
    expect(await ask('ns1', SOURCES['me-central']!, 'tcp')).toBe(nsidOf('FRA'));
    // Other vantages and the other address are untouched.
    expect(await ask('ns2', SOURCES['me-central']!)).toBe(nsidOf('AMS'));
    expect(await ask('ns1', SOURCES['us-west']!)).toBe(nsidOf('SJC'));
    const listed = (await admin('/vantages')).body.result as { reroutes: Array<{ from: string; to: string }> };
    expect(listed.reroutes.map((r) => `${r.from}->${r.to}`)).toEqual(['LHR->FRA']);
    const metrics = await (await fetch(net.adminUrl.replace('/admin', '/metrics'))).text();
    expect(metrics).toContain('propwatch_sim_catchment{vantage="me-central",address="ns1",pop="FRA"} 1');
    expect(metrics).toMatch(/^propwatch_sim_reroutes_total 1$/m);
    expect(metrics).toMatch(/^propwatch_sim_vantage_queries_total\{vantage="me-central"\} [1-9]\d*$/m);
    // Back, by the address's IP and through the in-process API.
    expect(net.reroute('me-central', '127.0.53.1', 'LHR')).toMatchObject({ from: 'FRA', to: 'LHR', by: 'call' });
    expect(await ask('ns1', SOURCES['me-central']!)).toBe(nsidOf('LHR'));
  });

  it('serve the answer ground truth over GET /admin/truth/answers, filtered and paged', async () => {
    const all = (await admin('/truth/answers?limit=10000')).body.result as {
      answers: Array<{ seq: number; vantage: string; via: string; pop: string }>;
      next: number;
      recorded: number;
      capacity: number;
    };
    expect(all.answers).toEqual(JSON.parse(JSON.stringify(net.answers.list({ limit: 10_000 }).answers)));
    expect(all).toMatchObject({ recorded: net.answers.recorded, capacity: 10_000 });
    const page = (await admin('/truth/answers?vantage=me-central&via=ns1&pop=lhr&limit=2')).body.result as typeof all;
    expect(page.answers.length).toBe(2);
    expect(page.answers.every((a) => a.vantage === 'me-central' && a.via === 'ns1' && a.pop === 'LHR')).toBe(true);
    const rest = (await admin(`/truth/answers?vantage=me-central&via=ns1&pop=LHR&since=${page.next}`)).body
      .result as typeof all;
    expect(rest.answers[0]!.seq).toBeGreaterThan(page.answers[1]!.seq);
  });
});

describe('admin input for vantages is checked: a 400 naming what exists', () => {
  const VANTAGES = 'us-west, us-east, me-central, sa-east, ap-south, default';
  const cases: Array<[string, string, string, unknown, string]> = [
    ['no body', '/reroute', 'POST', undefined, 'body: expected {"vantage": "eu-west", "address": "ns1", "pop": "AMS"}'],
    ['a list body', '/reroute', 'POST', [1], 'body: expected {"vantage"'],
    [
      'an unknown key',
      '/reroute',
      'POST',
      { vantage: 'us-west', address: 'ns1', pop: 'LAX', at: 5 },
      'body: unknown key at; expected vantage, address, pop',
    ],
    [
      'an unknown vantage',
      '/reroute',
      'POST',
      { vantage: 'mars', address: 'ns1', pop: 'LAX' },
      `vantage: unknown vantage "mars"; vantages: ${VANTAGES}`,
    ],
    [
      'an unknown address',
      '/reroute',
      'POST',
      { vantage: 'us-west', address: '127.0.53.9', pop: 'LAX' },
      'address: unknown anycast address "127.0.53.9"; addresses: ns1 (127.0.53.1), ns2 (127.0.53.2)',
    ],
    [
      'an unknown POP',
      '/reroute',
      'POST',
      { vantage: 'us-west', address: 'ns1', pop: 'XYZ' },
      'pop: unknown POP "XYZ"; POPs: SJC, LAX, ORD, DFW, IAD, EWR, MIA, LHR, AMS, FRA, CDG, SIN, NRT, SYD',
    ],
    [
      'a POP that is no string',
      '/reroute',
      'POST',
      { vantage: 'us-west', address: 'ns1', pop: 7 },
      'pop: unknown POP 7; POPs: SJC',
    ],
    ['a negative since', '/truth/answers?since=-1', 'GET', undefined, 'since "-1": expected an integer from 0 to'],
    [
      'a limit too large',
      '/truth/answers?limit=10001',
      'GET',
      undefined,
      'limit "10001": expected an integer from 1 to 10000',
    ],
    [
      'an unknown vantage filter',
      '/truth/answers?vantage=mars',
      'GET',
      undefined,
      `vantage "mars": unknown; known: ${VANTAGES}`,
    ],
    [
      'an unknown via filter',
      '/truth/answers?via=ns9',
      'GET',
      undefined,
      'via "ns9": unknown; known: ns1, ns2, SJC, LAX',
    ],
    ['an unknown pop filter', '/truth/answers?pop=XYZ', 'GET', undefined, 'pop "XYZ": unknown; known: SJC, LAX'],
    [
      'an unknown parameter',
      '/truth/answers?from=3',
      'GET',
      undefined,
      'unknown query parameter from; known: since, limit, vantage, via, pop',
    ],
  ];
  it.each(cases)('%s', async (_what, path, method, body, message) => {
    const before = net.reroutes().length;
    const reply = await admin(path, method, body);
    expect([reply.status, reply.body.success]).toEqual([400, false]);
    expect(reply.body.errors[0]?.message).toContain(message);
    expect(net.reroutes()).toHaveLength(before);
  });

  it('needs the admin token', async () => {
    const reply = await call(`${net.adminUrl}/reroute`, net.apiToken, 'POST', {
      vantage: 'us-west',
      address: 'ns1',
      pop: 'LAX',
    });
    expect(reply.status).toBe(403);
    expect((await call(`${net.adminUrl}/vantages`, 'wrong-token-123')).status).toBe(403);
  });
});
