/**
 * Per-hop delay distributions of the propagation model. Log-normal is the
 * usual shape of network/queueing delays (a floor, a body and a long right
 * tail); uniform is there for tests and for people who want plain numbers.
 */
import { type Random, sampleStandardNormal } from './prng.js';

export type HopDistribution =
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** exp(N(ln medianMs, sigma)), clamped to [minMs, maxMs]. */
  | { kind: 'lognormal'; medianMs: number; sigma: number; minMs: number; maxMs: number }
  | { kind: 'fixed'; ms: number };

/** Draws one delay in milliseconds (unscaled). */
export function sampleHop(distribution: HopDistribution, random: Random): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.ms;
    case 'uniform':
      return distribution.minMs + random() * (distribution.maxMs - distribution.minMs);
    case 'lognormal': {
      const value = Math.exp(Math.log(distribution.medianMs) + distribution.sigma * sampleStandardNormal(random));
      return Math.min(distribution.maxMs, Math.max(distribution.minMs, value));
    }
  }
}

/** Throws a readable error for a distribution that cannot be sampled. */
export function validateHop(distribution: HopDistribution, where: string): void {
  const bad = (what: string) => new Error(`propagation ${where}: ${what} (got ${JSON.stringify(distribution)})`);
  switch (distribution.kind) {
    case 'fixed':
      if (!(distribution.ms >= 0)) throw bad('ms must be a number >= 0');
      return;
    case 'uniform':
      if (!(distribution.minMs >= 0 && distribution.maxMs >= distribution.minMs))
        throw bad('expected 0 <= minMs <= maxMs');
      return;
    case 'lognormal':
      if (!(distribution.medianMs > 0)) throw bad('medianMs must be > 0');
      if (!(distribution.sigma >= 0)) throw bad('sigma must be >= 0');
      if (!(distribution.minMs >= 0 && distribution.maxMs >= distribution.minMs))
        throw bad('expected 0 <= minMs <= maxMs');
      return;
    default:
      throw bad('kind must be one of fixed, uniform, lognormal');
  }
}
