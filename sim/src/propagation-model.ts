/**
 * The pure propagation model: for each committed change, how long it takes
 * to travel core → regional tier → POP. Draws come from one seeded stream in
 * a fixed order (regions in first-appearance order, then POPs in definition
 * order), so the same seed and the same sequence of commits give the same
 * delays, whatever else happens in the process.
 */
import { type HopDistribution, sampleHop, validateHop } from './hop-distribution.js';
import { type Random, deriveSeed, mulberry32 } from './prng.js';
import type { PopDefinition } from './topology.js';

export interface RegionHops {
  /** Core → this region's tier. */
  coreToRegion: HopDistribution;
  /** Region tier → each POP in it. */
  regionToPop: HopDistribution;
}

export interface PropagationSettings {
  /** Hops per region; regions not listed use `defaultRegion`. */
  regions: Record<string, RegionHops>;
  defaultRegion: RegionHops;
}

/**
 * Defaults that look like a real provider: North America and Europe serve in
 * about 0.3–3 s (median ~1 s), Asia-Pacific is the slow tail (median ~3 s,
 * up to ~8 s).
 */
export const DEFAULT_PROPAGATION: PropagationSettings = {
  regions: {
    na: {
      coreToRegion: { kind: 'lognormal', medianMs: 250, sigma: 0.35, minMs: 100, maxMs: 800 },
      regionToPop: { kind: 'lognormal', medianMs: 700, sigma: 0.55, minMs: 150, maxMs: 2200 },
    },
    eu: {
      coreToRegion: { kind: 'lognormal', medianMs: 350, sigma: 0.35, minMs: 120, maxMs: 900 },
      regionToPop: { kind: 'lognormal', medianMs: 750, sigma: 0.55, minMs: 150, maxMs: 2100 },
    },
    apac: {
      coreToRegion: { kind: 'lognormal', medianMs: 1400, sigma: 0.4, minMs: 500, maxMs: 3500 },
      regionToPop: { kind: 'lognormal', medianMs: 1600, sigma: 0.5, minMs: 400, maxMs: 4500 },
    },
  },
  defaultRegion: {
    coreToRegion: { kind: 'lognormal', medianMs: 300, sigma: 0.35, minMs: 100, maxMs: 900 },
    regionToPop: { kind: 'lognormal', medianMs: 700, sigma: 0.55, minMs: 150, maxMs: 2200 },
  },
};

/** Delays (unscaled ms) of one change. */
export interface PropagationPlan {
  regionMs: Map<string, number>;
  /** Hop region → POP only. */
  hopMs: Map<string, number>;
  /** Total from commit to arrival at the POP: region + hop. */
  popMs: Map<string, number>;
}

export class PropagationModel {
  private readonly random: Random;
  private readonly catchUpRandom: Random;
  private readonly regionOrder: string[];

  constructor(
    private readonly pops: readonly PopDefinition[],
    private readonly settings: PropagationSettings = DEFAULT_PROPAGATION,
    seed = 1,
  ) {
    this.random = mulberry32(deriveSeed(seed, 'propagation'));
    // Catch-up after `stuck` draws from its own stream so clearing a fault
    // does not shift the delays of later changes.
    this.catchUpRandom = mulberry32(deriveSeed(seed, 'catch-up'));
    this.regionOrder = [...new Set(pops.map((pop) => pop.region))];
    for (const region of this.regionOrder) {
      const hops = this.hopsOf(region);
      validateHop(hops.coreToRegion, `${region}.coreToRegion`);
      validateHop(hops.regionToPop, `${region}.regionToPop`);
    }
  }

  /** Draws the delays of the next change. */
  planNext(): PropagationPlan {
    const regionMs = new Map<string, number>();
    for (const region of this.regionOrder)
      regionMs.set(region, sampleHop(this.hopsOf(region).coreToRegion, this.random));
    const hopMs = new Map<string, number>();
    const popMs = new Map<string, number>();
    for (const pop of this.pops) {
      const hop = sampleHop(this.hopsOf(pop.region).regionToPop, this.random);
      hopMs.set(pop.name, hop);
      popMs.set(pop.name, regionMs.get(pop.region)! + hop);
    }
    return { regionMs, hopMs, popMs };
  }

  /** One region → POP hop, for a POP catching up after `stuck` is cleared. */
  catchUpDelay(pop: PopDefinition): number {
    return sampleHop(this.hopsOf(pop.region).regionToPop, this.catchUpRandom);
  }

  private hopsOf(region: string): RegionHops {
    return this.settings.regions[region] ?? this.settings.defaultRegion;
  }
}
