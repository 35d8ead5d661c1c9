import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PROPAGATION, PropagationModel, startSimNetwork, type SimNetwork } from '../src/index.js';
import { resolvePops } from '../src/topology.js';
import { call } from './api-client.js';
import { RRType, queryTcp, queryUdp, soaSerial } from './dns-client.js';
import { waitFor } from './wait-for.js';

const TIME_SCALE = 0.02;
const RECORD = 'p1._propwatch.propwatch.test';
let net: SimNetwork | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});

const writeCanary = (n: SimNetwork, serial: number) =>
  call(`${n.apiUrl}/zones/${n.zoneId}/dns_records`, n.apiToken, 'POST', {
    type: 'TXT',
    name: RECORD,
    content: `propwatch=1 serial=${serial} probe=p1`,
    ttl: 60,
  });

describe('propagation through the sim', () => {
  it('serves each change at every POP after exactly the seeded model delay (ground truth exact to the microsecond)', async () => {
    net = await startSimNetwork({ seed: 11, timeScale: TIME_SCALE });
    const n = net;
    expect((await writeCanary(n, 1000)).status).toBe(200);
    const served = await waitFor(() => {
      const map = n.truth.servedAt(RECORD, 1000n);
      return [...map.values()].every(Boolean) ? map : undefined;
    }, 'every POP serving serial 1000');
    const commit = n.truth.commits()[1]!.committedAt;
    // The model alone, same seed, same (first) change, gives the same delays.
    const expected = new PropagationModel(resolvePops(), DEFAULT_PROPAGATION, 11).planNext().popMs;
    for (const pop of n.pops) {
      const actual = served.get(pop.name)!.monotonicMs - commit.monotonicMs;
      const planned = expected.get(pop.name)! * TIME_SCALE;
      expect(n.plannedDelays(1)!.get(pop.name)!.arrivalMs).toBeCloseTo(planned, 6);
      // The POP switches at exactly commit + delay (queries and the timer apply due arrivals), so this is exact.
      expect(actual, pop.name).toBeCloseTo(planned, 6);
      expect(served.get(pop.name)!.epochMs - served.get(pop.name)!.monotonicMs).toBeCloseTo(performance.timeOrigin, 3);
    }
    // Regional order of this seeded run: the apac tail is last.
    const mean = (region: string) => {
      const values = n.pops.filter((p) => p.region === region).map((p) => served.get(p.name)!.monotonicMs);
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    expect(mean('apac')).toBeGreaterThan(mean('na'));
    expect(mean('apac')).toBeGreaterThan(mean('eu'));
  });

  it('each POP SOA reflects the version it has applied while a change is on its way', async () => {
    net = await startSimNetwork({ pops: 2, seed: 3, timeScale: 1 });
    const n = net;
    expect((await writeCanary(n, 5)).status).toBe(200);
    // With real-scale delays (>= 250 ms) nobody has it yet right after the commit.
    for (const pop of n.pops)
      expect(soaSerial((await queryUdp(pop.address, pop.port, { name: n.zone, type: RRType.SOA }))!)).toBe(1);
    await waitFor(() => n.popStatus().every((p) => p.appliedVersion === 1), 'both POPs on version 1', 8000);
    for (const pop of n.pops)
      expect(soaSerial((await queryTcp(pop.address, pop.port, { name: n.zone, type: RRType.SOA }))!)).toBe(2);
  });
});
