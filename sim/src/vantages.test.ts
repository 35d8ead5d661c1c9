import { describe, expect, it } from 'vitest';
import { DEFAULT_ANYCAST, resolveAnycast } from './anycast-addresses.js';
import { parseRerouteArg, planReroutes } from './reroutes.js';
import { nsidPatternFor, resolvePops } from './topology.js';
import { DEFAULT_VANTAGES, resolveVantages, type VantageSpec } from './vantages.js';

const pops14 = resolvePops();
const anycast = resolveAnycast('default', []);

describe('default vantages', () => {
  const vantages = resolveVantages({}, pops14, anycast);

  it('are five, RTTs spread 5–250 ms, one loopback source each, and the default vantage of unknown sources', () => {
    expect(vantages.map((v) => [v.name, v.sources, v.rttMs])).toEqual([
      ['us-west', ['127.0.1.1'], 5],
      ['us-east', ['127.0.1.2'], 20],
      ['me-central', ['127.0.1.3'], 80],
      ['sa-east', ['127.0.1.4'], 150],
      ['ap-south', ['127.0.1.5'], 250],
      ['default', [], 0],
    ]);
    expect(vantages.at(-1)).toEqual({
      name: 'default',
      sources: [],
      rttMs: 0,
      jitterMs: 0,
      udpLossRate: 0,
      catchment: { ns1: 'SJC', ns2: 'LAX' },
    });
  });

  it('reach one POP per anycast address, and leave blind spots among the default 14 POPs', () => {
    for (const v of vantages) expect(Object.keys(v.catchment)).toEqual(['ns1', 'ns2']);
    const reached = new Set(vantages.flatMap((v) => Object.values(v.catchment)));
    const blind = pops14.map((p) => p.name).filter((pop) => !reached.has(pop));
    expect(blind).toEqual(['ORD', 'FRA', 'CDG', 'SYD']);
    expect(vantages.find((v) => v.name === 'me-central')?.catchment).toEqual({ ns1: 'LHR', ns2: 'AMS' });
  });

  it('fall back to a POP of the same region, then the first POP, on a smaller network', () => {
    const pops = resolvePops({ pops: [{ name: 'LAX' }, { name: 'FRA' }] });
    const small = resolveVantages({}, pops, anycast);
    expect(Object.fromEntries(small.map((v) => [v.name, v.catchment]))).toEqual({
      'us-west': { ns1: 'LAX', ns2: 'LAX' },
      'us-east': { ns1: 'LAX', ns2: 'LAX' },
      'me-central': { ns1: 'FRA', ns2: 'FRA' },
      'sa-east': { ns1: 'LAX', ns2: 'LAX' },
      'ap-south': { ns1: 'LAX', ns2: 'LAX' },
      default: { ns1: 'LAX', ns2: 'FRA' },
    });
  });

  it('"none" keeps only the default vantage; a global udpLossRate applies where a vantage sets none', () => {
    expect(resolveVantages({ vantages: 'none', udpLossRate: 0.01 }, pops14, anycast)).toEqual([
      { name: 'default', sources: [], rttMs: 0, jitterMs: 0, udpLossRate: 0.01, catchment: { ns1: 'SJC', ns2: 'LAX' } },
    ]);
    const given = resolveVantages(
      {
        udpLossRate: 0.01,
        vantages: [
          { name: 'A', sources: ['127.0.9.1'], catchment: { ns1: 'lhr', NS2: 'ams' } },
          { name: 'b', sources: ['::ffff:127.0.9.2'], udpLossRate: 0.5, catchment: { ns1: 'SIN', ns2: 'SIN' } },
          { name: 'default', rttMs: 3, catchment: { ns2: 'SYD' } },
        ],
      },
      pops14,
      anycast,
    );
    expect(given.map((v) => [v.name, v.sources, v.udpLossRate, v.catchment])).toEqual([
      ['a', ['127.0.9.1'], 0.01, { ns1: 'LHR', ns2: 'AMS' }],
      ['b', ['127.0.9.2'], 0.5, { ns1: 'SIN', ns2: 'SIN' }],
      ['default', [], 0.01, { ns1: 'SJC', ns2: 'SYD' }],
    ]);
  });

  it('the default table names only default POPs', () => {
    const names = new Set(pops14.map((p) => p.name));
    for (const v of DEFAULT_VANTAGES) for (const pop of v.prefer) expect(names.has(pop)).toBe(true);
  });
});

describe('bad vantages: an error naming the key, the value and what exists', () => {
  const one = (spec: Partial<VantageSpec>): VantageSpec[] => [
    { name: 'eu-west', sources: ['127.0.1.3'], catchment: { ns1: 'LHR', ns2: 'AMS' }, ...spec },
  ];
  const cases: Array<[string, unknown, string]> = [
    ['a word other than default/none', 'all', 'vantages "all": expected "default", "none" or a list of vantages'],
    ['a bad name', one({ name: 'eu west' }), 'vantages[0].name "eu west": expected letters, digits and dashes'],
    [
      'a source off loopback',
      one({ sources: ['192.0.2.1'] }),
      'vantages[0].sources[0] "192.0.2.1": expected a loopback address (127.0.0.0/8 or ::1) a probe can bind to',
    ],
    ['a source that is no address', one({ sources: ['eu'] }), 'vantages[0].sources[0] "eu": expected a loopback'],
    ['a negative RTT', one({ rttMs: -1 }), 'vantages[0].rttMs -1: expected a number of ms from 0 to 10000'],
    ['jitter as text', [{ ...one({})[0]!, jitterMs: '5' }], 'vantages[0].jitterMs "5": expected a number'],
    ['a loss above 1', one({ udpLossRate: 2 }), 'vantages[0].udpLossRate 2: expected a fraction from 0 to 1'],
    [
      'an unknown anycast address',
      one({ catchment: { ns1: 'LHR', ns2: 'AMS', ns3: 'FRA' } }),
      'vantages[0].catchment.ns3: no anycast address ns3; addresses: ns1, ns2',
    ],
    [
      'an address without a POP',
      one({ catchment: { ns1: 'LHR' } }),
      'vantages[0].catchment: no POP for ns2 (every anycast address needs one: ns1, ns2)',
    ],
    [
      'an unknown POP',
      one({ catchment: { ns1: 'LHR', ns2: 'XXX' } }),
      'vantages[0].catchment.ns2: unknown POP "XXX"; POPs: SJC, LAX, ORD, DFW, IAD, EWR, MIA, LHR, AMS, FRA, CDG, ' +
        'SIN, NRT, SYD',
    ],
    [
      'the same source twice',
      [...one({}), { name: 'other', sources: ['127.0.1.3'], catchment: { ns1: 'SJC', ns2: 'SJC' } }],
      'vantages[1].sources: 127.0.1.3 is already a source of eu-west',
    ],
    ['the same name twice', [...one({}), ...one({ sources: [] })], 'vantages[1].name eu-west appears twice'],
    [
      'sources on the default vantage',
      one({ name: 'default' }),
      'vantages[0]: the default vantage is the one of unknown sources; it takes no sources',
    ],
  ];
  it.each(cases)('%s', (_what, vantages, message) => {
    expect(() => resolveVantages({ vantages: vantages as VantageSpec[] }, pops14, anycast)).toThrow(message);
  });
  it('a global udpLossRate out of range', () => {
    expect(() => resolveVantages({ udpLossRate: 1.5 }, pops14, anycast)).toThrow(
      'udpLossRate 1.5: expected a fraction from 0 to 1',
    );
  });
});

describe('anycast addresses', () => {
  it('default to ns1 127.0.53.1 and ns2 127.0.53.2; "none" is none; names are lower-cased', () => {
    expect(resolveAnycast(undefined, [])).toEqual(DEFAULT_ANYCAST);
    expect(resolveAnycast('none', [])).toEqual([]);
    expect(resolveAnycast([{ name: 'NS-A', address: '127.0.54.1' }], [])).toEqual([
      { name: 'ns-a', address: '127.0.54.1' },
    ]);
  });
  it.each([
    [[{ name: 'ns 1', address: '127.0.53.1' }], 'anycast[0].name "ns 1": expected letters, digits and dashes'],
    [[{ name: 'lhr', address: '127.0.53.1' }], "anycast[0].name lhr is also a POP's name"],
    [[{ name: 'ns1', address: '10.0.0.1' }], 'anycast[0].address "10.0.0.1": the sim only listens on loopback'],
    [
      [
        { name: 'ns1', address: '127.0.53.1' },
        { name: 'ns2', address: '127.0.53.1' },
      ],
      'anycast[1].address 127.0.53.1 is used twice',
    ],
    [
      [
        { name: 'ns1', address: '127.0.53.1' },
        { name: 'NS1', address: '127.0.53.2' },
      ],
      'anycast[1].name ns1 appears twice',
    ],
  ])('refuses %j', (spec, message) => {
    expect(() => resolveAnycast(spec, ['LHR'])).toThrow(message);
  });
});

describe('reroutes', () => {
  it.each([
    ['eu-west:ns1=AMS', { vantage: 'eu-west', address: 'ns1', pop: 'AMS' }],
    ['EU-West:NS1=ams@30s', { vantage: 'eu-west', address: 'ns1', pop: 'AMS', atMs: 30_000 }],
    ['us-west:ns2=LAX@1500ms', { vantage: 'us-west', address: 'ns2', pop: 'LAX', atMs: 1500 }],
    ['us-west:ns2=LAX@2m', { vantage: 'us-west', address: 'ns2', pop: 'LAX', atMs: 120_000 }],
    ['us-west:ns2=LAX@0.5', { vantage: 'us-west', address: 'ns2', pop: 'LAX', atMs: 500 }],
  ])('parses %s', (text, spec) => {
    expect(parseRerouteArg(text)).toEqual(spec);
  });

  it.each([
    ['eu-west=AMS', 'expected vantage:address=POP or vantage:address=POP@time, e.g. eu-west:ns1=AMS@30s'],
    ['eu-west:ns1=AMS@-3s', 'expected vantage:address=POP'],
    ['eu-west:ns1=AMS@3h', 'expected vantage:address=POP'],
    ['eu-west:ns1=AMS@1441m', 'the time must be at most 24 h after the start'],
  ])('refuses %s', (text, message) => {
    expect(() => parseRerouteArg(text)).toThrow(message);
  });

  const vantages = resolveVantages({}, pops14, anycast);
  it('applies those without a time to the starting catchment and schedules the others in time order', () => {
    const plan = planReroutes(
      ['me-central:ns1=FRA', 'us-west:ns2=ORD@2s', { vantage: 'ap-south', address: 'ns1', pop: 'syd', atMs: 500 }],
      vantages,
      anycast,
      pops14,
    );
    expect(plan.vantages.find((v) => v.name === 'me-central')?.catchment).toEqual({ ns1: 'FRA', ns2: 'AMS' });
    expect(plan.scheduled).toEqual([
      { vantage: 'ap-south', address: 'ns1', pop: 'SYD', atMs: 500 },
      { vantage: 'us-west', address: 'ns2', pop: 'ORD', atMs: 2000 },
    ]);
    // The input is not modified.
    expect(vantages.find((v) => v.name === 'me-central')?.catchment.ns1).toBe('LHR');
  });

  it.each([
    [
      'mars:ns1=LHR@1s',
      'reroutes[0] "mars:ns1=LHR@1s": unknown vantage mars; ' +
        'vantages: us-west, us-east, me-central, sa-east, ap-south, default',
    ],
    ['us-west:ns9=LHR', 'reroutes[0] "us-west:ns9=LHR": unknown anycast address ns9; addresses: ns1, ns2'],
    ['us-west:ns1=XYZ', 'reroutes[0] "us-west:ns1=XYZ": unknown POP "XYZ"; POPs: SJC, LAX'],
  ])('checks %s against the network at start', (text, message) => {
    expect(() => planReroutes([text], vantages, anycast, pops14)).toThrow(message);
  });
});

describe('nsidPatternFor', () => {
  it('maps every identity the template makes back to its POP, POP15 and dashes included', () => {
    const pops = resolvePops({ pops: [{ name: 'LHR' }, { name: 'POP15' }, { name: 'x-1' }] });
    const pattern = new RegExp(nsidPatternFor());
    expect(pops.map((p) => [p.nsid, pattern.exec(p.nsid)?.groups?.pop])).toEqual([
      ['lhr1.sim.propwatch', 'lhr'],
      ['pop151.sim.propwatch', 'pop15'],
      ['x-11.sim.propwatch', 'x-1'],
    ]);
    expect(pattern.test('lhr1.sim.propwatch.evil')).toBe(false);
    const odd = '<b>(pop)</b>.{pop}.x+y';
    expect(new RegExp(nsidPatternFor(odd)).exec('<b>(pop)</b>.ams.x+y')?.groups?.pop).toBe('ams');
  });

  it('the template must hold {pop} exactly once, and an identity must fit a CHAOS TXT string', () => {
    expect(() => resolvePops({ nsidTemplate: 'static.sim' })).toThrow(
      'nsidTemplate "static.sim": expected exactly one {pop} (the lower-case POP code), e.g. {pop}1.sim.propwatch',
    );
    expect(() => resolvePops({ nsidTemplate: '{pop}.{pop}' })).toThrow('expected exactly one {pop}');
    expect(() => resolvePops({ nsidTemplate: `{pop}${'x'.repeat(253)}` })).toThrow(
      'the identity of SJC is 256 bytes, at most 255 fit a CHAOS TXT string',
    );
  });
});
