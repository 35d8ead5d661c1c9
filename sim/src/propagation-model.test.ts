import { describe, expect, it } from 'vitest';
import { sampleHop } from './hop-distribution.js';
import { mulberry32 } from './prng.js';
import { PropagationModel } from './propagation-model.js';
import { resolvePops } from './topology.js';

const pops = resolvePops();
const plans = (seed: number, count: number) => {
  const model = new PropagationModel(pops, undefined, seed);
  return Array.from({ length: count }, () => Object.fromEntries(model.planNext().popMs));
};

describe('PropagationModel', () => {
  it('gives the same delays for the same seed and sequence, different ones for another seed', () => {
    expect(plans(42, 5)).toEqual(plans(42, 5));
    expect(plans(42, 5)).not.toEqual(plans(43, 5));
  });

  it('defaults look like a real network: most POPs in 0.3-3 s, the apac tail slower but under ~8 s', () => {
    const all = plans(1, 300);
    const na = all.flatMap((plan) =>
      ['SJC', 'LAX', 'ORD', 'DFW', 'IAD', 'EWR', 'MIA', 'LHR', 'AMS', 'FRA', 'CDG'].map((pop) => plan[pop]!),
    );
    const apac = all.flatMap((plan) => ['SIN', 'NRT', 'SYD'].map((pop) => plan[pop]!));
    const within = na.filter((ms) => ms >= 300 && ms <= 3000).length / na.length;
    expect(within).toBeGreaterThan(0.9);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    expect(median(apac)).toBeGreaterThan(2 * median(na));
    expect(Math.max(...apac)).toBeLessThanOrEqual(8000);
  });

  it('a region hop is shared by all POPs of the region (tree, not independent paths)', () => {
    const model = new PropagationModel(pops, undefined, 9);
    const plan = model.planNext();
    for (const pop of pops)
      expect(plan.popMs.get(pop.name)).toBeCloseTo(plan.regionMs.get(pop.region)! + plan.hopMs.get(pop.name)!, 9);
  });

  it('rejects a distribution that cannot be sampled, naming where', () => {
    expect(
      () =>
        new PropagationModel(pops, {
          regions: {},
          defaultRegion: {
            coreToRegion: { kind: 'uniform', minMs: 5, maxMs: 1 },
            regionToPop: { kind: 'fixed', ms: 1 },
          },
        }),
    ).toThrow(/propagation na\.coreToRegion: expected 0 <= minMs <= maxMs/);
  });

  it('samples uniform and clamped log-normal hops inside their bounds', () => {
    const random = mulberry32(3);
    for (let i = 0; i < 1000; i++) {
      const u = sampleHop({ kind: 'uniform', minMs: 10, maxMs: 20 }, random);
      expect(u >= 10 && u < 20).toBe(true);
      const l = sampleHop({ kind: 'lognormal', medianMs: 100, sigma: 2, minMs: 50, maxMs: 400 }, random);
      expect(l >= 50 && l <= 400).toBe(true);
    }
  });
});
