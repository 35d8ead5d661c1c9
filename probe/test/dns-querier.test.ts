import { Packet } from 'dns2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMessage, Rcode, RRClass, RRType, type RecordToEncode } from '@propwatch/dns';
import { checkCanary, discoverTargets, identifyByChaos, Querier } from '../src/querier/index.js';
import { startDnsServer, type ServedQuery, type TestDnsServer } from './dns-fixtures.js';

const ZONE = 'propwatch.test';
const SERIAL = 1_700_000_000_123n;
const canaryText = (serial: bigint, probe = 'p1') => `propwatch=1 serial=${serial} probe=${probe}`;
const txt = (name: string, ...strings: string[]): RecordToEncode => ({
  name,
  type: RRType.TXT,
  ttl: 5,
  data: { kind: 'txt', strings },
});

/** An answer built with our encoder (dns2 cannot encode NSID). */
function reply(
  q: ServedQuery,
  opts: {
    rcode?: number;
    aa?: boolean;
    answers?: RecordToEncode[];
    additionals?: RecordToEncode[];
    questionName?: string;
  } = {},
): Buffer {
  return encodeMessage({
    id: q.id,
    flags: { qr: true, aa: opts.aa ?? true, rcode: opts.rcode ?? Rcode.NOERROR },
    questions: [{ name: opts.questionName ?? q.name, type: q.type, class: q.class }],
    answers: opts.answers ?? [],
    additionals: opts.additionals ?? [],
    ...(q.nsid ? { edns: { options: [{ code: 3, data: Buffer.from('lhr-1') }] } } : {}),
  });
}

/** A dns2 Packet answer, so the decoder also meets a foreign encoder (with its compression). */
function dns2Reply(request: Packet, records: { name: string; data: string }[], aa = true): Packet {
  const response = Packet.createResponseFromRequest(request);
  response.header.aa = aa ? 1 : 0;
  for (const r of records)
    response.answers.push({
      name: r.name,
      type: Packet.TYPE.TXT,
      class: Packet.CLASS.IN,
      ttl: 5,
      data: r.data,
    } as never);
  return response;
}

function respond(q: ServedQuery, request: Packet): Packet | Buffer | undefined {
  const label = q.name.toLowerCase().split('.')[0]!;
  if (q.class === RRClass.CH)
    return reply(q, { aa: false, answers: [{ ...txt(q.name, 'lhr-1.chaos'), class: RRClass.CH }] });
  if (q.type === RRType.NS) {
    return reply(q, {
      answers: ['lhr', 'ams'].map((pop) => ({
        name: ZONE,
        type: RRType.NS,
        data: { kind: 'ns', target: `${pop}.ns.${ZONE}` },
      })),
      additionals: [
        { name: `lhr.ns.${ZONE}`, type: RRType.A, data: { kind: 'a', address: '127.0.0.1' } },
        { name: `lhr.ns.${ZONE}`, type: RRType.AAAA, data: { kind: 'aaaa', address: '::1' } },
      ],
    });
  }
  if (q.type === RRType.A && label === 'ams')
    return reply(q, { answers: [{ name: q.name, type: RRType.A, data: { kind: 'a', address: '127.0.0.2' } }] });
  if (q.type === RRType.AAAA && label === 'ams') return reply(q);
  switch (label) {
    case 'p1':
      return reply(q, { answers: [txt(q.name, canaryText(SERIAL)), txt(q.name, 'v=spf1 -all')] });
    case 'newer':
      return reply(q, { answers: [txt(q.name, 'propwatch=1 serial=', `${SERIAL + 5n} probe=p1`)] });
    case 'viadns2':
      return dns2Reply(request, [{ name: q.name, data: canaryText(SERIAL) }]);
    case 'older':
      return reply(q, { answers: [txt(q.name, canaryText(SERIAL - 1n))] });
    case 'otherprobe':
      return reply(q, { answers: [txt(q.name, canaryText(SERIAL, 'p2'))] });
    case 'malformed':
      return reply(q, { answers: [txt(q.name, 'propwatch=1 serial=12x probe=p1')] });
    case 'nx':
      return reply(q, { rcode: Rcode.NXDOMAIN });
    case 'nodata':
      return reply(q);
    case 'servfail':
      return reply(q, { rcode: Rcode.SERVFAIL });
    case 'refused':
      return reply(q, { rcode: Rcode.REFUSED, aa: false });
    case 'notimp':
      return reply(q, { rcode: Rcode.NOTIMP });
    case 'nonaa':
      return reply(q, { aa: false, answers: [txt(q.name, canaryText(SERIAL))] });
    case 'shouting':
      return reply(q, { questionName: q.name.toUpperCase(), answers: [txt(q.name.toUpperCase(), canaryText(SERIAL))] });
    case 'big':
      // Through dns2's Packet: its UDP server truncates to the header and question with TC=1.
      return dns2Reply(request, [
        ...Array.from({ length: 30 }, (_, i) => ({ name: q.name, data: `filler-${i}-${'x'.repeat(90)}` })),
        { name: q.name, data: canaryText(SERIAL) },
      ]);
    case 'bigraw':
      // Raw bytes: dns2 cuts them at the payload size mid-record and sets TC=1.
      return reply(q, {
        answers: [
          ...Array.from({ length: 30 }, (_, i) => txt(q.name, `filler-${i}-${'x'.repeat(90)}`)),
          txt(q.name, canaryText(SERIAL)),
        ],
      });
    case 'silent':
      return undefined;
    default:
      return reply(q, { rcode: Rcode.NXDOMAIN });
  }
}

const spec = (label: string) => ({
  name: `${label}._propwatch.${ZONE}`,
  serial: SERIAL,
  probeId: 'p1',
  timeoutMs: 2000,
});

describe.each(['127.0.0.1', '::1'] as const)('querier against a dns2 server on %s', (address) => {
  let server: TestDnsServer;
  let querier: Querier;
  let target: { address: string; port: number };

  beforeAll(async () => {
    server = await startDnsServer(address, respond);
    target = { address: server.address, port: server.port };
    querier = new Querier({ bind: { v4: '127.0.0.1', v6: '::1' }, timeoutMs: 2000 });
  });
  afterAll(async () => {
    querier.close();
    await server.close();
  });

  it('reports a hit with the NSID from the same packet, sending RD=0 and an NSID request', async () => {
    const result = await checkCanary(querier, target, spec('p1'));
    expect(result).toMatchObject({ kind: 'hit', servedSerial: SERIAL, nsid: 'lhr-1', aa: true, transport: 'udp' });
    if (result.kind !== 'hit') return;
    expect(result.rttMs).toBeGreaterThanOrEqual(0);
    expect(result.receivedAt - result.sentAt).toBeCloseTo(result.rttMs, 6);
    const served = server.queries.at(-1)!;
    expect(served).toMatchObject({ type: RRType.TXT, class: RRClass.IN, rd: false, nsid: true, transport: 'udp' });
  });

  it('counts a newer serial split over character-strings as a hit', async () => {
    expect(await checkCanary(querier, target, spec('newer'))).toMatchObject({ kind: 'hit', servedSerial: SERIAL + 5n });
  });

  it('decodes a dns2-encoded answer', async () => {
    expect(await checkCanary(querier, target, spec('viadns2'))).toMatchObject({ kind: 'hit', servedSerial: SERIAL });
  });

  it('accepts an answer whose question differs only in case', async () => {
    expect(await checkCanary(querier, target, spec('shouting'))).toMatchObject({ kind: 'hit', servedSerial: SERIAL });
  });

  it.each([
    ['nx', { kind: 'miss', why: 'nxdomain' }],
    ['nodata', { kind: 'miss', why: 'nodata' }],
    ['older', { kind: 'miss', why: 'older', servedSerial: SERIAL - 1n }],
    ['otherprobe', { kind: 'miss', why: 'absent' }],
    ['servfail', { kind: 'failure', reason: 'servfail', nsid: 'lhr-1' }],
    ['refused', { kind: 'failure', reason: 'refused' }],
    ['notimp', { kind: 'failure', reason: 'rcode' }],
    ['nonaa', { kind: 'failure', reason: 'not-authoritative' }],
    ['malformed', { kind: 'failure', reason: 'malformed-canary' }],
  ])('judges %s', async (label, expected) => {
    expect(await checkCanary(querier, target, spec(label))).toMatchObject(expected);
  });

  it('reports a timeout when the server stays silent', async () => {
    const result = await checkCanary(querier, target, { ...spec('silent'), timeoutMs: 150 });
    expect(result).toMatchObject({ kind: 'failure', reason: 'timeout' });
  });

  it.each(['big', 'bigraw'])('retries over TCP after TC=1 (%s) and still finds the canary', async (label) => {
    const before = server.queries.length;
    const result = await checkCanary(querier, target, spec(label));
    expect(result).toMatchObject({ kind: 'hit', servedSerial: SERIAL, transport: 'tcp' });
    expect(server.queries.slice(before).map((q) => q.transport)).toEqual(['udp', 'tcp']);
  });

  it('reports truncation when TCP fallback is off', async () => {
    expect(await checkCanary(querier, target, { ...spec('big'), tcpFallback: false })).toMatchObject({
      kind: 'failure',
      reason: 'truncated',
    });
  });

  it('identifies the instance through CHAOS TXT id.server', async () => {
    expect(await identifyByChaos(querier, target)).toMatchObject({ kind: 'identified', identity: 'lhr-1.chaos' });
    expect(server.queries.at(-1)).toMatchObject({ name: 'id.server', class: RRClass.CH, type: RRType.TXT });
  });

  it('discovers every address of every NS host, from glue or by query', async () => {
    const found = await discoverTargets(querier, { zone: `${ZONE}.`, resolver: target, port: 5353 });
    expect(found).toEqual({
      ok: true,
      warnings: [],
      targets: [
        { name: `ams.ns.${ZONE}`, address: '127.0.0.2', port: 5353, family: 4 },
        { name: `lhr.ns.${ZONE}`, address: '127.0.0.1', port: 5353, family: 4 },
        { name: `lhr.ns.${ZONE}`, address: '::1', port: 5353, family: 6 },
      ],
    });
  });

  it('answers hundreds of concurrent queries, each with its own answer', async () => {
    const labels = ['p1', 'nx', 'older', 'nodata'];
    const results = await Promise.all(
      Array.from({ length: 400 }, (_, i) => checkCanary(querier, target, spec(labels[i % 4]!))),
    );
    expect(results.map((r) => (r.kind === 'miss' ? r.why : r.kind))).toEqual(
      Array.from({ length: 400 }, (_, i) => ['hit', 'nxdomain', 'older', 'nodata'][i % 4]),
    );
    const stats = querier.stats();
    expect(stats.dropped).toEqual({ short: 0, unknownId: 0, wrongSource: 0, mismatch: 0, malformed: 0 });
  });
});

describe('querier lifecycle', () => {
  it('resolves queries in flight as closed on close() and refuses new ones', async () => {
    const server = await startDnsServer('127.0.0.1', () => undefined);
    const querier = new Querier({ bind: { v4: '127.0.0.1' } });
    try {
      const pending = querier.query(
        { address: server.address, port: server.port },
        { name: 'x.test', type: RRType.TXT, class: RRClass.IN },
        { timeoutMs: 60_000 },
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      querier.close();
      expect(await pending).toMatchObject({ kind: 'failure', reason: 'closed' });
      expect(
        await querier.query(
          { address: server.address, port: server.port },
          { name: 'x.test', type: RRType.TXT, class: RRClass.IN },
        ),
      ).toMatchObject({ kind: 'failure', reason: 'closed' });
      expect(querier.stats().failures.closed).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('rejects unusable targets as results, not exceptions', async () => {
    const querier = new Querier();
    try {
      const question = { name: 'x.test', type: RRType.TXT, class: RRClass.IN };
      expect(await querier.query({ address: 'ns1.example', port: 53 }, question)).toMatchObject({
        kind: 'failure',
        reason: 'invalid-target',
        detail: expect.stringMatching(/not an IPv4 or IPv6 address/),
      });
      expect(await querier.query({ address: '127.0.0.1', port: 0 }, question)).toMatchObject({
        kind: 'failure',
        reason: 'invalid-target',
      });
      expect(await querier.query({ address: '127.0.0.1', port: 53 }, { ...question, name: 'a..b' })).toMatchObject({
        kind: 'failure',
        reason: 'invalid-target',
        detail: expect.stringMatching(/empty label/),
      });
    } finally {
      querier.close();
    }
  });
});
