/**
 * Seeded pseudo-random numbers. The propagation model must give the same
 * delays for the same seed and the same sequence of changes, so nothing in
 * the sim uses Math.random. mulberry32 is tiny, fast and good enough for
 * simulation (not for anything secret).
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a 32-bit state generator (Tommy Ettinger's constants). */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent seed for a named stream (FNV-1a over the label,
 * mixed with the base seed), so e.g. flaky drops never shift the sequence of
 * propagation delays.
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** A standard normal variate (Box–Muller; consumes two uniforms). */
export function sampleStandardNormal(random: Random): number {
  const u1 = Math.max(random(), Number.EPSILON);
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
