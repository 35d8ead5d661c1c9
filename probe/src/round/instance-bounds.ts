/**
 * When one instance started serving the serial, from its own answers only.
 * All times are ms after the write was acknowledged.
 *
 * A miss proves the instance was not serving when it handled the query,
 * which happened after we sent it: the latest *send* time of a miss is the
 * lower bound. A hit proves it was serving before we *received* the answer:
 * the earliest receive time of a hit is the upper bound. With several
 * queries in flight answers arrive in any order; these two rules do not
 * care about the order, so the bounds are the same whatever it was.
 *
 * Going backwards: a miss *sent after* a hit was received contradicts the
 * hit (the instance served the serial, then did not). That happens when
 * several servers answer under one POP and only some have the change (a
 * site whose servers share an NSID, two NSIDs the mapping names alike), or
 * when a server rolls back. The instance has not propagated until it serves
 * for good, so such a miss is counted and the bounds restart from it: the
 * hits received before it no longer count, and the upper bound is the
 * earliest hit received after it. The interval then holds the moment it
 * served for good, which is never earlier than the first moment it served;
 * reporting that first moment would call a POP done that still gives some
 * users the old data.
 */

/** Hits kept per instance; only the earliest matters, and hits stop coming once it has one. */
const MAX_HITS_KEPT = 64;

export class InstanceBounds {
  /** Undefined before the first miss: then the lower bound is 0 (the change may predate the ack). */
  private lastMissSentMs: number | undefined;
  /** Receive times of hits after the lower bound, ascending. */
  private hitsReceivedMs: number[] = [];
  /** Misses that contradicted a hit (see above). */
  backwards = 0;

  /** The lower bound: latest send time of a miss (0 before any: the change may predate the ack). */
  get lowerMs(): number {
    return this.lastMissSentMs ?? 0;
  }

  /** The upper bound: earliest receive time of a hit after the lower bound; undefined until there is one. */
  get upperMs(): number | undefined {
    return this.hitsReceivedMs[0];
  }

  get propagated(): boolean {
    return this.hitsReceivedMs.length > 0;
  }

  /**
   * A miss sent at `sentMs`. Returns the hit it contradicts (received at or
   * before this send) when the instance went backwards, else undefined.
   */
  miss(sentMs: number): { hitReceivedMs: number } | undefined {
    const sent = Math.max(0, sentMs);
    const upper = this.upperMs;
    if (this.lastMissSentMs !== undefined && sent <= this.lastMissSentMs) return undefined;
    this.lastMissSentMs = sent;
    // A hit received at the very moment of a later send cannot have been decided after it.
    const kept = this.hitsReceivedMs.filter((received) => received > sent);
    this.hitsReceivedMs = kept;
    if (upper !== undefined && upper <= sent) {
      this.backwards += 1;
      return { hitReceivedMs: upper };
    }
    return undefined;
  }

  /**
   * A hit received at `receivedMs`. One received no later than the send of a
   * miss already recorded is contradicted by it (going backwards, as above)
   * and returns that miss's send time; it moves nothing.
   */
  hit(receivedMs: number): { missSentMs: number } | undefined {
    if (this.lastMissSentMs !== undefined && receivedMs <= this.lastMissSentMs) {
      this.backwards += 1;
      return { missSentMs: this.lastMissSentMs };
    }
    const hits = this.hitsReceivedMs;
    let at = hits.length;
    while (at > 0 && hits[at - 1]! > receivedMs) at--;
    if (at >= MAX_HITS_KEPT) return undefined;
    hits.splice(at, 0, receivedMs);
    if (hits.length > MAX_HITS_KEPT) hits.pop();
    return undefined;
  }
}
