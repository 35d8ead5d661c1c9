/** The pure parts of `npm start`: its command line, its data directory and what it prints from the read API. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKER, prepareDataDir } from '../start/data-dir.mjs';
import { blindSpots, chooseReroute, describeCatchments, probeVantages } from '../start/anycast-plan.mjs';
import { aggregatorConfig, anycastProbes, probeConfig } from '../start/demo-configs.mjs';
import { chooseStuckPop, parseStartArgs } from '../start/options.mjs';
import { createChangeFeed, createRoundFeed, describeCoverage, describeRound } from '../start/watch-api.mjs';

describe('npm start command line', () => {
  it('an unknown flag is a problem naming it, not an exception', () => {
    expect(parseStartArgs(['--stuck-pops', 'LHR'], '/r')).toEqual({
      problem: expect.stringContaining("'--stuck-pops'"),
    });
    expect(parseStartArgs(['stray'], '/r')).toEqual({ problem: expect.stringContaining("'stray'") });
    expect(parseStartArgs(['--pops'], '/r')).toEqual({ problem: expect.stringContaining('--pops') });
  });

  it('bounds are checked with the flag named', () => {
    expect(parseStartArgs(['--pops', '0'], '/r')).toEqual({ problem: '--pops 0: expected an integer from 1 to 500' });
    expect(parseStartArgs(['--port', '80.5'], '/r')).toEqual({
      problem: '--port 80.5: expected an integer from 1 to 65535',
    });
    expect(parseStartArgs(['--scenario', 'flood'], '/r')).toEqual({
      problem: '--scenario flood: expected stuck or none',
    });
  });

  it('defaults: anycast with five probes, a fresh .data/demo, LHR-stuck scenario; --unicast has three', () => {
    const { settings } = parseStartArgs([], '/r');
    expect(settings).toMatchObject({ pops: 14, probes: 5, unicast: false, port: 8080, dataDir: '/r/.data/demo' });
    expect(settings).toMatchObject({ keepData: false, rerouteAfterS: 30 });
    expect(parseStartArgs(['--unicast'], '/r').settings).toMatchObject({ unicast: true, probes: 3 });
    expect(parseStartArgs(['--unicast', '--probes', '7'], '/r').settings).toMatchObject({ probes: 7 });
    expect(parseStartArgs(['--reroute-after', '1.5'], '/r')).toEqual({
      problem: '--reroute-after 1.5: expected an integer from 0 to 86400',
    });
    expect(parseStartArgs(['--keep-data', '--stuck-pop', 'nrt'], '/r').settings).toMatchObject({
      keepData: true,
      stuckPop: 'NRT',
    });
  });

  it('an unknown stuck POP names the POPs there are', () => {
    expect(chooseStuckPop(undefined, ['SJC', 'LHR'])).toEqual({ pop: 'LHR' });
    expect(chooseStuckPop(undefined, ['SJC', 'NRT'])).toEqual({ pop: 'NRT' });
    expect(chooseStuckPop('FRA', ['SJC', 'LHR', 'NRT'])).toEqual({
      problem: '--stuck-pop FRA: no such POP; the 3 POPs are SJC LHR NRT (see --pops)',
    });
  });
});

describe('npm start data directory', () => {
  const fresh = () => mkdtempSync(join(tmpdir(), 'propwatch-start-'));

  it('empties what a previous run left, unless --keep-data', () => {
    const dir = join(fresh(), 'demo');
    expect(prepareDataDir(dir, false)).toEqual({ dir });
    writeFileSync(join(dir, 'aggregator.db'), 'old rounds');
    mkdirSync(join(dir, 'demo-1', 'spool'), { recursive: true });
    expect(prepareDataDir(dir, true)).toEqual({ dir });
    expect(existsSync(join(dir, 'aggregator.db'))).toBe(true);
    expect(prepareDataDir(dir, false)).toEqual({ dir });
    expect(readdirSync(dir).sort()).toEqual([MARKER, 'logs']);
  });

  it('never empties a directory it did not make', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'thesis.tex'), 'irreplaceable');
    expect(prepareDataDir(dir, false)).toEqual({ problem: expect.stringContaining('not made by npm start') });
    expect(readdirSync(dir)).toEqual(['thesis.tex']);
  });

  it("the default directory is the demo's even when an older npm start left it without the marker", () => {
    const dir = fresh();
    writeFileSync(join(dir, 'aggregator.db'), 'rounds of an older demo');
    expect(prepareDataDir(dir, false, true)).toEqual({ dir });
    expect(readdirSync(dir).sort()).toEqual([MARKER, 'logs']);
  });
});

describe('npm start round lines', () => {
  const round = (id: string, state: string, pops: object[]) => ({
    id,
    state,
    probe: { id: 'demo-1' },
    write: { error: 'HTTP 500' },
    pops,
  });

  it('each finished round once, oldest first; old rounds of a kept directory are not news', () => {
    const feed = createRoundFeed();
    expect(feed([round('r1', 'complete', [])])).toEqual([]);
    const next = feed([round('r3', 'running', []), round('r2', 'complete', []), round('r1', 'complete', [])]);
    expect(next.map((r: { id: string }) => r.id)).toEqual(['r2']);
    const later = feed([round('r4', 'write_failed', []), round('r3', 'complete', []), round('r2', 'complete', [])]);
    expect(later.map((r: { id: string }) => r.id)).toEqual(['r3', 'r4']);
  });

  it('names the worst POP, the timeouts and a failed write', () => {
    const pops = [
      { pop: 'SJC', state: 'propagated', lowerMs: 100, estimateMs: 300 },
      { pop: 'LHR', state: 'timeout', lowerMs: 2500 },
      { pop: 'NRT', state: 'timeout', lowerMs: 2400 },
    ];
    expect(describeRound(round('r', 'complete', pops))).toBe('demo-1  round complete worst LHR 2.50 s, 2 timeouts');
    expect(describeRound(round('r', 'write_failed', []))).toBe(
      'demo-1  round write_failed worst - WRITE FAILED: HTTP 500',
    );
  });
});

// The sim's default vantages and POPs, as its ready line gives them (sim/README.md, Anycast and vantages).
const POPS = ['SJC', 'LAX', 'ORD', 'DFW', 'IAD', 'EWR', 'MIA', 'LHR', 'AMS', 'FRA', 'CDG', 'SIN', 'NRT', 'SYD'];
const vantage = (name: string, source: string | undefined, rttMs: number, ns1: string, ns2: string) => ({
  name,
  sources: source ? [source] : [],
  rttMs,
  jitterMs: 0,
  udpLossRate: 0,
  catchment: { ns1, ns2 },
});
const SIM = {
  zone: 'propwatch.test',
  zoneId: 'z',
  apiUrl: 'http://127.0.0.1:1/client/v4',
  apiToken: 't',
  pops: POPS.map((name, i) => ({ name, address: '127.0.0.1', port: 40000 + i })),
  anycast: [
    { name: 'ns1', address: '127.0.53.1', port: 5300 },
    { name: 'ns2', address: '127.0.53.2', port: 5300 },
  ],
  nsidPattern: '^(?<pop>[a-z0-9-]+)1\\.sim\\.propwatch$',
  vantages: [
    vantage('us-west', '127.0.1.1', 5, 'SJC', 'LAX'),
    vantage('us-east', '127.0.1.2', 20, 'IAD', 'EWR'),
    vantage('me-central', '127.0.1.3', 80, 'LHR', 'AMS'),
    vantage('sa-east', '127.0.1.4', 150, 'MIA', 'DFW'),
    vantage('ap-south', '127.0.1.5', 250, 'SIN', 'NRT'),
    vantage('default', undefined, 0, 'SJC', 'LAX'),
  ],
};

describe('npm start anycast plan', () => {
  it('one probe per vantage with a source address; the POPs no catchment reaches are blind spots', () => {
    const vantages = probeVantages(SIM, 50);
    expect(vantages.map((v: { name: string }) => v.name)).toEqual([
      'us-west',
      'us-east',
      'me-central',
      'sa-east',
      'ap-south',
    ]);
    expect(blindSpots(SIM, vantages)).toEqual(['ORD', 'FRA', 'CDG', 'SYD']);
    // Fewer probes: fewer catchments, more blind spots.
    expect(blindSpots(SIM, probeVantages(SIM, 2))).toEqual(POPS.filter((p) => !/SJC|LAX|IAD|EWR/.test(p)));
    expect(describeCatchments(vantages)[2]).toBe('me-central 127.0.1.3   80 ms  ns1 → LHR  ns2 → AMS');
  });

  it('the reroute avoids the stuck POP and moves a catchment onto a blind spot', () => {
    const vantages = probeVantages(SIM, 5);
    const blind = blindSpots(SIM, vantages);
    expect(chooseReroute(vantages, blind, 'LHR', POPS)).toEqual({
      vantage: 'us-west',
      address: 'ns2',
      from: 'LAX',
      to: 'ORD',
    });
    expect(chooseReroute(vantages, blind, 'SJC', POPS)).toMatchObject({ vantage: 'us-east', to: 'ORD' });
    // No blind spot left: a POP the vantage does not reach yet.
    expect(chooseReroute(vantages, [], 'LHR', POPS)).toMatchObject({ vantage: 'us-west', to: 'ORD' });
    expect(chooseReroute([vantages[2]!], blind, 'LHR', POPS)).toBeUndefined();
  });

  it("each probe is bound to its vantage's source and targets ns1/ns2 as anycast with the sim's NSID pattern", () => {
    const settings = parseStartArgs([], '/r').settings!;
    const probes = anycastProbes(probeVantages(SIM, 5));
    type AnycastConfig = { probe: unknown; query: unknown; targets: unknown; popFromNsid: { pattern: string } };
    const config = probeConfig(settings, probes[2], SIM, 'http://127.0.0.1:8080', '/d') as unknown as AnycastConfig;
    expect(config.probe).toEqual({ id: 'me-central', region: 'me-central' });
    expect(config.query).toEqual({ sourceAddress: '127.0.1.3' });
    expect(config.targets).toEqual([
      { name: 'ns1', address: '127.0.53.1', port: 5300, kind: 'anycast' },
      { name: 'ns2', address: '127.0.53.2', port: 5300, kind: 'anycast' },
    ]);
    expect(config.popFromNsid).toEqual({ pattern: SIM.nsidPattern });
    expect(new RegExp(config.popFromNsid.pattern).exec('lhr1.sim.propwatch')?.groups?.pop).toBe('lhr');
    const aggregator = aggregatorConfig(settings, probes, '/d', POPS);
    expect(aggregator.status).toMatchObject({ quorum: 2, singleObserverRounds: 1 });
    expect(aggregator.expectedPops).toEqual(POPS);
    const unicast = parseStartArgs(['--unicast'], '/r').settings!;
    expect(probeConfig(unicast, probes[0], SIM, 'http://a', '/d').targets).toHaveLength(14);
    expect(aggregatorConfig(unicast, probes, '/d', POPS)).not.toHaveProperty('expectedPops');
  });

  it('coverage and catchment changes read as lines, each change once', () => {
    expect(
      describeCoverage({ observed: 10, expected: 14, ratio: 10 / 14, missing: ['ORD', 'FRA', 'CDG', 'SYD'] }),
    ).toBe('coverage 10 of 14 POPs (71%), blind to ORD FRA CDG SYD');
    expect(describeCoverage({ observed: 2, expected: 2, ratio: 1, missing: [] })).toBe(
      'coverage 2 of 2 POPs (100%), no blind spot',
    );
    const feed = createChangeFeed();
    const old = { probe: 'us-east', via: 'ns1', fromPop: 'IAD', toPop: 'ORD', roundId: 'r1', at: 't' };
    expect(feed([old])).toEqual([]);
    const moved = { probe: 'us-west', via: 'ns2', fromPop: 'LAX', toPop: 'ORD', roundId: 'r2', at: 't' };
    expect(feed([moved, old])).toEqual(['CATCHMENT us-west via ns2: LAX → ORD (round r2)']);
    expect(feed([moved, old])).toEqual([]);
  });
});
