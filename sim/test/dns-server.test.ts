import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { findNsid } from '../src/nsid-codec.js';
import { call } from './api-client.js';
import { DnsPacket as Packet, queryTcp, queryUdp, soaSerial, txtStrings } from './dns-client.js';
import { waitFor } from './wait-for.js';

const RCODE = { NOERROR: 0, NXDOMAIN: 3, REFUSED: 5 };

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
      expect(answer.header.aa).toBe(1);
      expect(answer.header.ra).toBe(0);
      expect(answer.header.rcode).toBe(RCODE.NOERROR);
      expect(txtStrings(answer)).toEqual([['propwatch=1 serial=42 probe=p1']]);
    });

    it(`${transport}: SOA serial reflects the applied version (initial 1, six commits)`, async () => {
      const answer = (await query(pop.address, pop.port, { name: zone, type: Packet.TYPE.SOA }))!;
      expect(answer.header.aa).toBe(1);
      expect(soaSerial(answer)).toBe(7);
    });

    it(`${transport}: NXDOMAIN for an absent name, with the SOA in authority`, async () => {
      const answer = (await query(pop.address, pop.port, { name: `nope.${zone}` }))!;
      expect(answer.header.rcode).toBe(RCODE.NXDOMAIN);
      expect(answer.header.aa).toBe(1);
      expect(answer.answers).toHaveLength(0);
      expect(answer.authorities[0]?.type).toBe(Packet.TYPE.SOA);
    });

    it(`${transport}: NODATA for a present name without the type, and for an empty non-terminal`, async () => {
      for (const name of [zone, `_propwatch.${zone}`]) {
        const answer = (await query(pop.address, pop.port, { name, type: Packet.TYPE.TXT }))!;
        expect(answer.header.rcode, name).toBe(RCODE.NOERROR);
        expect(answer.answers, name).toHaveLength(0);
        expect(answer.authorities[0]?.type, name).toBe(Packet.TYPE.SOA);
      }
    });

    it(`${transport}: REFUSED outside the zone, without AA`, async () => {
      const answer = (await query(pop.address, pop.port, { name: 'example.com' }))!;
      expect(answer.header.rcode).toBe(RCODE.REFUSED);
      expect(answer.header.aa).toBe(0);
    });

    it(`${transport}: NSID only when asked, OPT only with EDNS`, async () => {
      const plain = (await query(pop.address, pop.port, { name: zone, type: Packet.TYPE.SOA }))!;
      expect(plain.additionals.find((rr) => rr.type === Packet.TYPE.EDNS)).toBeUndefined();
      const edns = (await query(pop.address, pop.port, { name: zone, type: Packet.TYPE.SOA, ednsPayload: 1232 }))!;
      expect(edns.additionals.find((rr) => rr.type === Packet.TYPE.EDNS)).toBeDefined();
      expect(findNsid(edns)).toBeUndefined();
      const asked = (await query(pop.address, pop.port, { name: zone, type: Packet.TYPE.SOA, nsid: true }))!;
      expect(findNsid(asked)?.data.toString()).toBe('pop-sjc.sim');
    });

    it(`${transport}: CHAOS id.server and hostname.bind give the POP identity`, async () => {
      for (const name of ['id.server', 'hostname.bind']) {
        const answer = (await query(pop.address, pop.port, { name, class: Packet.CLASS.CH }))!;
        expect(answer.header.rcode).toBe(RCODE.NOERROR);
        expect(answer.answers[0]?.class).toBe(Packet.CLASS.CH);
        expect(txtStrings(answer)).toEqual([['pop-sjc.sim']]);
      }
    });

    it(`${transport}: NS lists one name server per POP with its address as glue`, async () => {
      const answer = (await query(pop.address, pop.port, { name: zone, type: Packet.TYPE.NS }))!;
      expect(answer.answers.map((rr) => rr.ns).sort()).toEqual([
        'lax.ns.propwatch.test',
        'ord.ns.propwatch.test',
        'sjc.ns.propwatch.test',
      ]);
      expect(answer.additionals.filter((rr) => rr.type === Packet.TYPE.A).map((rr) => rr.address)).toEqual([
        '127.0.0.1',
        '127.0.0.1',
        '127.0.0.1',
      ]);
    });
  }

  it('sets TC over UDP when the TXT RRset exceeds the payload size, and gives the full answer over TCP', async () => {
    const small = (await queryUdp(pop.address, pop.port, { name: `big.${zone}`, ednsPayload: 512, nsid: true }))!;
    expect(small.header.tc).toBe(1);
    expect(small.answers).toHaveLength(0);
    // RFC 6891 §7: the truncated answer keeps its OPT record, so the NSID still names the POP.
    expect(findNsid(small)?.data.toString()).toBe(pop.nsid);
    expect(small.questions).toEqual([expect.objectContaining({ name: `big.${zone}` })]);
    const noEdns = (await queryUdp(pop.address, pop.port, { name: `big.${zone}` }))!;
    expect(noEdns.header.tc).toBe(1);
    expect(noEdns.additionals).toHaveLength(0);
    const full = (await queryTcp(pop.address, pop.port, { name: `big.${zone}`, ednsPayload: 512 }))!;
    expect(full.header.tc).toBe(0);
    expect(txtStrings(full).map((strings) => strings.join(''))).toEqual(
      [0, 1, 2, 3, 4].map((i) => `${i}`.repeat(2000)),
    );
    const roomy = (await queryUdp(pop.address, pop.port, { name: `big.${zone}`, ednsPayload: 65000 }))!;
    expect(roomy.header.tc).toBe(0);
    expect(roomy.answers).toHaveLength(5);
  });

  it('survives malformed queries, counts them, and keeps answering', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    for (const garbage of [Buffer.from([1, 2, 3]), Buffer.alloc(40, 0xff), Buffer.from('hello world, not dns')]) {
      await new Promise<void>((resolve) => socket.send(garbage, pop.port, pop.address, () => resolve()));
    }
    socket.close();
    await waitFor(() => net.popStatus()[0]!.counters.requestErrors >= 3, 'requestErrors counted');
    const answer = await queryUdp(pop.address, pop.port, { name: zone, type: Packet.TYPE.SOA });
    expect(answer?.header.aa).toBe(1);
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
        const udp = await queryUdp(pop.address, pop.port, { name: net.zone, type: Packet.TYPE.SOA, nsid: true });
        const tcp = await queryTcp(pop.address, pop.port, { name: net.zone, type: Packet.TYPE.SOA, nsid: true });
        expect(findNsid(udp!)?.data.toString()).toBe(pop.nsid);
        expect(findNsid(tcp!)?.data.toString()).toBe(pop.nsid);
      }
      const ns = await queryUdp('::1', net.pops[1]!.port, { name: 'ams.ns.propwatch.test', type: Packet.TYPE.AAAA });
      expect(ns?.answers[0]?.address).toBe('::1');
    } finally {
      await net.close();
    }
  });
});
