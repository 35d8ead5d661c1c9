import { describe, expect, it } from 'vitest';
import { resolveAnycast } from './anycast-addresses.js';
import { resolvePops } from './topology.js';
import { MAX_REROUTE_LOG, RerouteError, VantageTable } from './vantage-table.js';
import { resolveVantages } from './vantages.js';

const pops = resolvePops();
const anycast = resolveAnycast('default', []);
let tick = 0;
const clock = { monotonicNow: () => ++tick };
const table = (seed = 1, options: Parameters<typeof resolveVantages>[0] = {}) =>
  new VantageTable(resolveVantages(options, pops, anycast), anycast, pops, clock, seed);

describe('VantageTable', () => {
  it('tells the vantage by source address; an unknown source (or none listed) is the default vantage', () => {
    const vantages = table();
    expect(vantages.forSource('127.0.1.3').def.name).toBe('me-central');
    expect(vantages.forSource('::ffff:127.0.1.5').def.name).toBe('ap-south');
    expect(vantages.forSource('127.0.0.1').def.name).toBe('default');
    expect(vantages.forSource('::1').def.name).toBe('default');
  });

  it('reroutes a catchment, by address name or IP, and logs each change once', () => {
    const vantages = table();
    const event = vantages.reroute('ME-Central', '127.0.53.1', 'fra', 'admin');
    expect(event).toMatchObject({ vantage: 'me-central', address: 'ns1', from: 'LHR', to: 'FRA', by: 'admin' });
    expect(vantages.forSource('127.0.1.3').catchment.get('ns1')).toBe('FRA');
    // Moving it where it already is changes nothing and is not logged.
    expect(vantages.reroute('me-central', 'ns1', 'FRA', 'call')).toMatchObject({ from: 'FRA', to: 'FRA' });
    expect(vantages.reroutes()).toEqual([event]);
    expect(vantages.list().find((v) => v.name === 'me-central')?.catchment).toEqual({ ns1: 'FRA', ns2: 'AMS' });
  });

  it.each([
    [
      ['mars', 'ns1', 'LHR'],
      'vantage: unknown vantage "mars"; vantages: us-west, us-east, me-central, sa-east, ap-south, default',
    ],
    [
      ['us-west', 'ns3', 'LHR'],
      'address: unknown anycast address "ns3"; addresses: ns1 (127.0.53.1), ns2 (127.0.53.2)',
    ],
    [['us-west', 'ns1', 'XYZ'], 'pop: unknown POP "XYZ"; POPs: SJC, LAX, ORD'],
    [[42, 'ns1', 'LHR'], 'vantage: unknown vantage 42'],
    [['us-west', null, 'LHR'], 'address: unknown anycast address null'],
  ])('refuses %j naming what exists', (args, message) => {
    const vantages = table();
    const [vantage, address, pop] = args as unknown[];
    expect(() => vantages.reroute(vantage, address, pop, 'admin')).toThrow(RerouteError);
    expect(() => vantages.reroute(vantage, address, pop, 'admin')).toThrow(message);
    expect(vantages.reroutes()).toEqual([]);
  });

  it(`keeps the last ${MAX_REROUTE_LOG} reroutes and counts them all`, () => {
    const vantages = table();
    for (let i = 0; i < MAX_REROUTE_LOG + 5; i++) vantages.reroute('us-west', 'ns1', i % 2 ? 'SJC' : 'LAX', 'call');
    const log = vantages.reroutes();
    expect(log).toHaveLength(MAX_REROUTE_LOG);
    expect(vantages.rerouteCount()).toBe(MAX_REROUTE_LOG + 5);
    expect(log[0]!.at.monotonicMs).toBeLessThan(log.at(-1)!.at.monotonicMs);
  });

  it('draws jitter and loss from seeded streams per vantage: same seed, same draws; within bounds', () => {
    const draws = (seed: number) => {
      const v = table(seed, {
        vantages: [
          {
            name: 'far',
            sources: ['127.0.9.9'],
            rttMs: 100,
            jitterMs: 20,
            udpLossRate: 0.25,
            catchment: { ns1: 'SIN', ns2: 'SIN' },
          },
        ],
      }).forSource('127.0.9.9');
      return {
        jitter: Array.from({ length: 2000 }, () => v.jitter()),
        lost: Array.from({ length: 4000 }, () => v.loses()),
      };
    };
    const a = draws(7);
    expect(draws(7)).toEqual(a);
    expect(draws(8).jitter).not.toEqual(a.jitter);
    expect(Math.min(...a.jitter)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.jitter)).toBeLessThan(10);
    expect(Math.max(...a.jitter)).toBeGreaterThan(9);
    const lossRate = a.lost.filter(Boolean).length / a.lost.length;
    expect(lossRate).toBeGreaterThan(0.22);
    expect(lossRate).toBeLessThan(0.28);
    // No jitter and no loss configured: none drawn.
    const still = table().forSource('127.0.0.1');
    expect([still.jitter(), still.loses()]).toEqual([0, false]);
  });
});
