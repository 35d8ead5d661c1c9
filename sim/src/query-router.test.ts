/**
 * The query router on fake timers: POPs are real PopInstances answering from
 * real zone snapshots, requests are recorded in memory, and the zone switches
 * from version 0 to version 1 at t = 100 ms, so every answer can be checked
 * against the instant its POP decided.
 */
import { decodeMessage, encodeQuery, RRType } from '@propwatch/dns';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnswerLog } from './answer-log.js';
import { resolveAnycast } from './anycast-addresses.js';
import type { DnsRequest } from './dns-transport.js';
import type { PopFault } from './faults.js';
import { momentOf } from './moment.js';
import { PopInstance } from './pop-instance.js';
import { mulberry32 } from './prng.js';
import { QueryRouter, type Via } from './query-router.js';
import { resolvePops } from './topology.js';
import { VantageTable } from './vantage-table.js';
import { type VantageSpec, resolveVantages } from './vantages.js';
import { ZoneStore } from './zone-store.js';

const SWITCH_MS = 100;
// Under vi.useFakeTimers Date.now() is the fake time: the monotonic clock of these tests.
const clock = { monotonicNow: () => Date.now() };
const pops = resolvePops({ pops: [{ name: 'LHR' }, { name: 'AMS' }] });
const anycast = resolveAnycast('default', []);
const FAR: VantageSpec = {
  name: 'far',
  sources: ['127.0.1.9'],
  rttMs: 100,
  jitterMs: 40,
  catchment: { ns1: 'LHR', ns2: 'AMS' },
};
const NS1: Via = { kind: 'anycast', name: 'ns1' };

interface Sent {
  kind: 'answer' | 'ignore' | 'reject';
  at: number;
  serial?: number;
}

let faults: Record<string, PopFault | null>;
beforeEach(() => {
  vi.useFakeTimers({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  faults = {};
});
afterEach(() => vi.useRealTimers());

function setup(
  options: { vantages?: VantageSpec[]; maxPending?: number; maxBytes?: number; onUnicast?: boolean } = {},
) {
  const store = new ZoneStore('propwatch.test', 1, momentOf(clock));
  store.commit(momentOf(clock));
  const instances = new Map(
    pops.map((def) => [
      def.name,
      new PopInstance({
        def,
        context: (now) => ({
          zone: 'propwatch.test',
          snapshot: store.snapshot(now.monotonicMs >= SWITCH_MS ? 1 : 0),
          identity: def.nsid,
          nameservers: [],
        }),
        fault: () => faults[def.name] ?? null,
        random: mulberry32(1),
      }),
    ]),
  );
  const defs = resolveVantages({ vantages: options.vantages ?? [FAR] }, pops, anycast);
  const vantages = new VantageTable(defs, anycast, pops, clock, 1);
  const answers = new AnswerLog(10_000);
  const router = new QueryRouter({
    vantages,
    instances,
    answers,
    clock,
    vantagesOnUnicast: options.onUnicast ?? true,
    maxPending: options.maxPending ?? 1000,
    maxPendingBytes: options.maxBytes ?? 1 << 20,
  });
  const send = (via: Via, source: string, transport: 'udp' | 'tcp' = 'udp', message?: Buffer): Sent[] => {
    const sent: Sent[] = [];
    const request: DnsRequest = {
      message: message ?? encodeQuery({ id: 1, name: 'propwatch.test', type: RRType.SOA, edns: { nsid: true } }),
      transport,
      remote: { address: source, port: 5353 },
      answer: (response) => {
        const decoded = decodeMessage(response);
        const soa = decoded.ok ? decoded.message.answers.find((rr) => rr.data.kind === 'soa') : undefined;
        sent.push({ kind: 'answer', at: Date.now(), serial: soa?.data.kind === 'soa' ? soa.data.serial : undefined });
      },
      ignore: () => sent.push({ kind: 'ignore', at: Date.now() }),
      reject: () => sent.push({ kind: 'reject', at: Date.now() }),
    };
    router.route(request, via);
    return sent;
  };
  return { router, vantages, answers, instances, send, far: () => vantages.forSource('127.0.1.9') };
}

describe('QueryRouter', () => {
  it('delays an exchange by the RTT: the POP decides half an RTT in, the answer leaves half an RTT later', () => {
    const { send, answers, far } = setup();
    const sent = send(NS1, '127.0.1.9');
    vi.advanceTimersByTime(99);
    expect(sent).toEqual([]);
    expect(far().counters).toMatchObject({ queries: 1, pending: 1, answered: 0 });
    vi.advanceTimersByTime(41);
    expect(sent).toHaveLength(1);
    const [record] = answers.list().answers;
    expect(record).toMatchObject({
      vantage: 'far',
      via: 'ns1',
      kind: 'anycast',
      pop: 'LHR',
      nsid: 'lhr1.sim.propwatch',
    });
    const inbound = record!.decidedAt.monotonicMs - record!.receivedAt.monotonicMs;
    const outbound = record!.sentAt.monotonicMs - record!.decidedAt.monotonicMs;
    expect(inbound).toBeGreaterThanOrEqual(50);
    expect(inbound).toBeLessThanOrEqual(70);
    expect(outbound).toBeGreaterThanOrEqual(50);
    expect(outbound).toBeLessThanOrEqual(70);
    expect(sent[0]!.at).toBe(Math.ceil(record!.sentAt.monotonicMs));
    expect(far().counters).toMatchObject({ queries: 1, pending: 0, pendingBytes: 0, answered: 1 });
  });

  it('serves what the POP had at the decision instant, and jitter never makes a later query see an older zone', () => {
    const { send, answers } = setup();
    const all: Sent[][] = [];
    for (let t = 0; t < 200; t++) {
      all.push(send(NS1, '127.0.1.9'));
      vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(500);
    const records = answers.list().answers;
    expect(records).toHaveLength(200);
    for (const r of records) {
      expect(r.version).toBe(r.decidedAt.monotonicMs >= SWITCH_MS ? 1 : 0);
      expect(r.sentAt.monotonicMs - r.receivedAt.monotonicMs).toBeGreaterThanOrEqual(100);
    }
    // In the order the queries were sent: decisions never go back in time, so serials never go back.
    const serials = all.map((sent) => sent[0]!.serial!);
    expect(serials).toEqual([...serials].sort((a, b) => a - b));
    expect(new Set(serials)).toEqual(new Set([1, 2]));
    const byReceive = [...records].sort((a, b) => a.receivedAt.monotonicMs - b.receivedAt.monotonicMs);
    for (let i = 1; i < byReceive.length; i++)
      expect(byReceive[i]!.decidedAt.monotonicMs).toBeGreaterThanOrEqual(byReceive[i - 1]!.decidedAt.monotonicMs);
  });

  it('answers an unknown source at once through the default vantage (RTT 0), at the instant of arrival', () => {
    const { send, answers } = setup();
    const sent = send(NS1, '127.0.0.1');
    expect(sent.map((s) => s.kind)).toEqual(['answer']);
    const [record] = answers.list().answers;
    expect(record).toMatchObject({ vantage: 'default', pop: 'LHR', version: 0 });
    expect(record!.decidedAt).toEqual(record!.receivedAt);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('delays unicast queries from a vantage too, unless vantagesOnUnicast is off', () => {
    const on = setup();
    const unicast: Via = { kind: 'unicast', pop: 'AMS' };
    expect(on.send(unicast, '127.0.1.9')).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(on.answers.list().answers[0]).toMatchObject({ kind: 'unicast', via: 'AMS', pop: 'AMS', vantage: 'far' });
    const off = setup({ onUnicast: false });
    expect(off.send(unicast, '127.0.1.9').map((s) => s.kind)).toEqual(['answer']);
    expect(off.send(NS1, '127.0.1.9')).toEqual([]);
  });

  it('loses UDP at the vantage rate, never TCP, and counts it', () => {
    const { send, far } = setup({ vantages: [{ ...FAR, udpLossRate: 1 }] });
    expect(send(NS1, '127.0.1.9', 'udp').map((s) => s.kind)).toEqual(['ignore']);
    const tcp = send(NS1, '127.0.1.9', 'tcp');
    vi.advanceTimersByTime(200);
    expect(tcp.map((s) => s.kind)).toEqual(['answer']);
    expect(far().counters).toMatchObject({ queries: 2, lost: 1, answered: 1 });
  });

  it('bounds what a vantage has in flight: beyond maxPending a query is dropped and counted, and room frees up', () => {
    const { send, far } = setup({ maxPending: 5 });
    const sent = Array.from({ length: 20 }, () => send(NS1, '127.0.1.9'));
    expect(sent.filter((s) => s[0]?.kind === 'ignore')).toHaveLength(15);
    expect(far().counters).toMatchObject({ pending: 5, overflow: 15 });
    vi.advanceTimersByTime(200);
    expect(sent.filter((s) => s[0]?.kind === 'answer')).toHaveLength(5);
    expect(far().counters).toMatchObject({ pending: 0, pendingBytes: 0, answered: 5 });
    expect(send(NS1, '127.0.1.9')).toEqual([]);
  });

  it('bounds the bytes a vantage has in flight, queries on the way and answers on the way back', () => {
    const query = encodeQuery({ id: 1, name: 'propwatch.test', type: RRType.SOA, edns: { nsid: true } });
    // Room for one query but not for its (longer) answer, then not for a second query.
    const { send, far } = setup({ maxBytes: query.length + 10 });
    const first = send(NS1, '127.0.1.9');
    expect(send(NS1, '127.0.1.9').map((s) => s.kind)).toEqual(['ignore']);
    vi.advanceTimersByTime(200);
    expect(first.map((s) => s.kind)).toEqual(['ignore']);
    expect(far().counters).toMatchObject({ overflow: 2, pending: 0, pendingBytes: 0, answered: 0 });
  });

  it('releases the budget of a query the POP refuses or ignores, after the inbound delay', () => {
    const { send, far, instances } = setup();
    const garbage = send(NS1, '127.0.1.9', 'tcp', Buffer.alloc(40, 0xff));
    faults.LHR = { kind: 'down' };
    const ignored = send(NS1, '127.0.1.9');
    expect([garbage, ignored]).toEqual([[], []]);
    vi.advanceTimersByTime(100);
    expect([garbage[0]?.kind, ignored[0]?.kind]).toEqual(['reject', 'ignore']);
    expect(far().counters).toMatchObject({ pending: 0, pendingBytes: 0, answered: 0 });
    expect(instances.get('LHR')!.counters).toMatchObject({ requestErrors: 1, ignored: 1 });
  });

  it('a query already on its way keeps its POP when the catchment moves; the next one goes to the new POP', () => {
    const { send, vantages, answers } = setup();
    send(NS1, '127.0.1.9');
    vantages.reroute('far', 'ns1', 'AMS', 'call');
    send(NS1, '127.0.1.9');
    vi.advanceTimersByTime(200);
    expect(
      answers
        .list()
        .answers.map((a) => a.pop)
        .sort(),
    ).toEqual(['AMS', 'LHR']);
  });

  it('close drops what is in flight and ignores what comes after', () => {
    const { send, router } = setup();
    const inFlight = send(NS1, '127.0.1.9');
    router.close();
    vi.advanceTimersByTime(500);
    expect(inFlight).toEqual([]);
    expect(send(NS1, '127.0.0.1').map((s) => s.kind)).toEqual(['ignore']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
