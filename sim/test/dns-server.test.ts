import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { call } from './api-client.js';
import { EdnsOption, encodeMessage, Rcode } from '@propwatch/dns';
import { decodeAnswer, nsidText, queryTcp, queryUdp, RRClass, RRType, soaSerial, txtStrings } from './dns-client.js';
import { waitFor } from './wait-for.js';

describe('POP DNS server over UDP and TCP', () => {
  let net: SimNetwork;
  let pop: SimNetwork['pops'][number];
  const zone = 'propwatch.test';

  beforeAll(async () => {
    net = await startSimNetwork({ pops: 3, seed: 7, timeScale: 0, apiToken: 'test-token-123' });
    pop = net.pops[0]!;
    const post = (name: string, content: string) =>
      call(`${net.apiUrl}/zones/${net.zoneId}/dns_records`, net.apiToken, 'POST', {
        type: 'TXT',
        name,
        content,
        ttl: 60,
      });
    expect((await post(`p1._propwatch.${zone}`, 'propwatch=1 serial=42 probe=p1')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await post(`big.${zone}`, `${i}`.repeat(2000))).status).toBe(200);
    await waitFor(() => net.popStatus().every((p) => p.appliedVersion === 6), 'all POPs on version 6');
  });
  afterAll(async () => {
    await net?.close();
  });

  for (const transport of ['udp', 'tcp'] as const) {
    const query = transport === 'udp' ? queryUdp : queryTcp;

    it(`${transport}: answers a TXT authoritatively with RA=0, even when RD=1`, async () => {
      const answer = (await query(pop.address, pop.port, { name: `p1._propwatch.${zone}`, rd: true }))!;
      expect(answer.header.aa).toBe(true);
      expect(answer.header.ra).toBe(false);
      expect(answer.header.rd).toBe(true);
      expect(answer.header.rcode).toBe(Rcode.NOERROR);
      expect(txtStrings(answer)).toEqual([['propwatch=1 serial=42 probe=p1']]);
    });

    it(`${transport}: SOA serial reflects the applied version (initial 1, six commits)`, async () => {
      const answer = (await query(pop.address, pop.port, { name: zone, type: RRType.SOA }))!;
      expect(answer.header.aa).toBe(true);
      expect(soaSerial(answer)).toBe(7);
    });

    it(`${transport}: NXDOMAIN for an absent name, with the SOA in authority`, async () => {
      const answer = (await query(pop.address, pop.port, { name: `nope.${zone}` }))!;
      expect(answer.header.rcode).toBe(Rcode.NXDOMAIN);
      expect(answer.header.aa).toBe(true);
      expect(answer.answers).toHaveLength(0);
      expect(answer.authorities[0]?.type).toBe(RRType.SOA);
    });

    it(`${transport}: NODATA for a present name without the type, and for an empty non-terminal`, async () => {
      for (const name of [zone, `_propwatch.${zone}`]) {
        const answer = (await query(pop.address, pop.port, { name, type: RRType.TXT }))!;
        expect(answer.header.rcode, name).toBe(Rcode.NOERROR);
        expect(answer.answers, name).toHaveLength(0);
        expect(answer.authorities[0]?.type, name).toBe(RRType.SOA);
      }
    });

    it(`${transport}: REFUSED outside the zone, without AA`, async () => {
      const answer = (await query(pop.address, pop.port, { name: 'example.com' }))!;
      expect(answer.header.rcode).toBe(Rcode.REFUSED);
      expect(answer.header.aa).toBe(false);
    });

    it(`${transport}: NSID only when asked, OPT only with EDNS`, async () => {
      const plain = (await query(pop.address, pop.port, { name: zone, type: RRType.SOA }))!;
      expect(plain.edns).toBeUndefined();
      const edns = (await query(pop.address, pop.port, { name: zone, type: RRType.SOA, ednsPayload: 1232 }))!;
      expect(edns.edns).toMatchObject({ payloadSize: 1232, version: 0, options: [] });
      expect(nsidText(edns)).toBeUndefined();
      const asked = (await query(pop.address, pop.port, { name: zone, type: RRType.SOA, nsid: true }))!;
      expect(nsidText(asked)).toBe('sjc1.sim.propwatch');
    });

    it(`${transport}: CHAOS id.server and hostname.bind give the POP identity`, async () => {
      for (const name of ['id.server', 'hostname.bind']) {
        const answer = (await query(pop.address, pop.port, { name, class: RRClass.CH }))!;
        expect(answer.header.rcode).toBe(Rcode.NOERROR);
        expect(answer.answers[0]?.class).toBe(RRClass.CH);
        expect(txtStrings(answer)).toEqual([['sjc1.sim.propwatch']]);
      }
    });

    it(`${transport}: NS lists one name server per POP with its address as glue`, async () => {
      const answer = (await query(pop.address, pop.port, { name: zone, type: RRType.NS }))!;
      expect(answer.answers.map((rr) => (rr.data.kind === 'ns' ? rr.data.target : rr.type)).sort()).toEqual([
        'lax.ns.propwatch.test',
        'ord.ns.propwatch.test',
        'sjc.ns.propwatch.test',
      ]);
      expect(answer.additionals.map((rr) => (rr.data.kind === 'a' ? rr.data.address : rr.type))).toEqual([
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
      ]);
    });
  }

  it('sets TC over UDP when the TXT RRset exceeds the payload size, and gives the full answer over TCP', async () => {
    const small = (await queryUdp(pop.address, pop.port, { name: `big.${zone}`, ednsPayload: 512, nsid: true }))!;
    expect(small.header.tc).toBe(true);
    expect(small.answers).toHaveLength(0);
    // RFC 6891 §7: the truncated answer keeps its OPT record, so the NSID still names the POP.
    expect(nsidText(small)).toBe(pop.nsid);
    expect(small.questions).toEqual([expect.objectContaining({ name: `big.${zone}` })]);
    const noEdns = (await queryUdp(pop.address, pop.port, { name: `big.${zone}` }))!;
    expect(noEdns.header.tc).toBe(true);
    expect(noEdns.additionals).toHaveLength(0);
    expect(noEdns.edns).toBeUndefined();
    const full = (await queryTcp(pop.address, pop.port, { name: `big.${zone}`, ednsPayload: 512 }))!;
    expect(full.header.tc).toBe(false);
    expect(txtStrings(full).map((strings) => strings.join(''))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${i}`.repeat(2000)),
    );
    const roomy = (await queryUdp(pop.address, pop.port, { name: `big.${zone}`, ednsPayload: 65000 }))!;
    expect(roomy.header.tc).toBe(false);
    expect(roomy.answers).toHaveLength(5);
  });

  it('answers an EDNS version above 0 with BADVERS (extended RCODE 16) and still names the POP', async () => {
    const query = encodeMessage({
      id: 77,
      questions: [{ name: zone, type: RRType.SOA, class: RRClass.IN }],
      edns: { version: 1, dnssecOk: true, options: [{ code: EdnsOption.NSID, data: Buffer.alloc(0) }] },
    });
    const socket = createSocket('udp4');
    const answer = await new Promise<Buffer>((resolve) => {
      socket.on('message', resolve);
      socket.send(query, pop.port, pop.address);
    });
    socket.close();
    const message = decodeAnswer(answer);
    expect(message.header).toMatchObject({ id: 77, qr: true, aa: false, rcode: Rcode.BADVERS });
    // The header holds RCODE's low 4 bits (0); the OPT carries the rest (RFC 6891 §6.1.3). DO is echoed (RFC 3225).
    expect(answer[3]! & 0x0f).toBe(0);
    expect(message.edns).toMatchObject({ extendedRcode: 1, version: 0, dnssecOk: true });
    expect(nsidText(message)).toBe('sjc1.sim.propwatch');
  });

  it('survives malformed queries, counts them, and keeps answering', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (const garbage of [Buffer.from([1, 2, 3]), Buffer.alloc(40, 0xff), Buffer.from('hello world, not dns')]) {
      await new Promise<void>((resolve) => socket.send(garbage, pop.port, pop.address, () => resolve()));
    }
    socket.close();
    await waitFor(() => net.popStatus()[0]!.counters.requestErrors >= 3, 'requestErrors counted');
    const answer = await queryUdp(pop.address, pop.port, { name: zone, type: RRType.SOA });
    expect(answer?.header.aa).toBe(true);
  });
});

describe('POP addresses', () => {
  it('listens on other loopback addresses (127.0.1.5, ::1) with the same port for UDP and TCP', async () => {
    const net = await startSimNetwork({
      pops: [
        { name: 'LHR', address: '127.0.1.5' },
        { name: 'AMS', address: '::1' },
      ],
      timeScale: 0,
    });
    try {
      for (const pop of net.pops) {
        const udp = await queryUdp(pop.address, pop.port, { name: net.zone, type: RRType.SOA, nsid: true });
        const tcp = await queryTcp(pop.address, pop.port, { name: net.zone, type: RRType.SOA, nsid: true });
        expect(nsidText(udp!)).toBe(pop.nsid);
        expect(nsidText(tcp!)).toBe(pop.nsid);
      }
      const ns = await queryUdp('::1', net.pops[1]!.port, { name: 'ams.ns.propwatch.test', type: RRType.AAAA });
      expect(ns?.answers[0]?.data).toEqual({ kind: 'aaaa', address: '::1' });
    } finally {
      await net.close();
    }
  });
});
