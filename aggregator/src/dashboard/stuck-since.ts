/**
 * Since when each (probe, POP) has been known not to serve, across rounds: a POP that times out round after
 * round keeps the acknowledgement time of the first of those rounds instead of restarting at each new one.
 * Kept in memory by the matrix route and updated on each of its reads (the dashboard reads it every 2 s); with
 * nobody reading, it falls back to the ack of the round the figure comes from, which is still a true "at least
 * since". Bounded: it holds only pairs present in the latest evaluation (prune) and forgets a pair once measured.
 */
export class StuckSince {
  readonly #since = new Map<string, number>();

  /** The earliest known missing-since for the pair, given this round's ack time `seed`. */
  note(probe: string, pop: string, seed: number): number {
    const key = `${probe}\u0000${pop}`;
    const known = this.#since.get(key);
    const since = known === undefined ? seed : Math.min(known, seed);
    this.#since.set(key, since);
    return since;
  }

  /** Keeps only the pairs noted in the last read (the others are measured again or gone). */
  keepOnly(noted: ReadonlySet<string>): void {
    for (const key of this.#since.keys()) if (!noted.has(key)) this.#since.delete(key);
  }

  get size(): number {
    return this.#since.size;
  }
}
