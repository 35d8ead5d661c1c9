/**
 * Ground truth: when each zone version was committed and the exact moment
 * each POP began serving it (answering queries from it). This is what probe
 * measurements are scored against.
 */
import { parseCanary } from '@propwatch/shared';
import type { Moment } from './moment.js';
import type { ZoneSnapshot } from './zone-store.js';

export interface CommitEntry {
  version: number;
  serial: number;
  committedAt: Moment;
}

export interface ServedEntry {
  pop: string;
  version: number;
  serial: number;
  servedAt: Moment;
}

export class GroundTruth {
  private readonly snapshots: ZoneSnapshot[] = [];
  /** Versions below this were forgotten. */
  private forgotten = 0;
  private readonly served: ServedEntry[] = [];
  /** pop → version → first moment served */
  private readonly firstServed = new Map<string, Map<number, Moment>>();

  recordCommit(snapshot: ZoneSnapshot): void {
    this.snapshots[snapshot.version] = snapshot;
  }

  /** Called when a POP starts answering from `version` (first time only counts). */
  recordServed(pop: string, version: number, servedAt: Moment): void {
    const byVersion = this.firstServed.get(pop) ?? new Map<number, Moment>();
    this.firstServed.set(pop, byVersion);
    if (byVersion.has(version)) return;
    byVersion.set(version, servedAt);
    this.served.push({ pop, version, serial: this.snapshots[version]?.serial ?? -1, servedAt });
  }

  /** Forgets everything about versions below `version`: a long run must not grow without bound. */
  forgetBefore(version: number): void {
    for (; this.forgotten < version && this.forgotten < this.snapshots.length; this.forgotten++)
      // eslint-disable-next-line @typescript-eslint/no-array-delete -- a hole on purpose: indexes stay versions, iteration skips it
      delete this.snapshots[this.forgotten];
    for (const byVersion of this.firstServed.values())
      for (const v of byVersion.keys()) if (v < version) byVersion.delete(v);
    const kept = this.served.filter((entry) => entry.version >= version);
    this.served.length = 0;
    this.served.push(...kept);
  }

  /** Commit moments of every version still remembered, oldest first. */
  commits(): CommitEntry[] {
    return this.snapshots
      .filter(Boolean)
      .map((s) => ({ version: s.version, serial: s.serial, committedAt: s.committedAt }));
  }

  /** Every (POP, version) serving event in the order they happened. */
  servedLog(): ServedEntry[] {
    return [...this.served];
  }

  /** When `pop` first served zone `version`, or null. */
  versionServedAt(pop: string, version: number): Moment | null {
    return this.firstServed.get(pop)?.get(version) ?? null;
  }

  /**
   * For each POP, the first moment it served a zone version in which the TXT
   * RRset at `recordName` holds a propwatch canary with serial >= `serial`
   * (the probe's notion of "propagated"); null if it has not yet.
   */
  servedAt(
    recordName: string,
    serial: bigint,
    pops: readonly string[] = [...this.firstServed.keys()],
  ): Map<string, Moment | null> {
    const name = recordName.toLowerCase().replace(/\.$/, '');
    const matching = new Set<number>();
    for (const snapshot of this.snapshots) {
      if (!snapshot) continue;
      const parsed = parseCanary((snapshot.txt.get(name) ?? []).map((rr) => rr.strings));
      if (parsed.kind === 'found' && parsed.serial >= serial) matching.add(snapshot.version);
    }
    const result = new Map<string, Moment | null>();
    for (const pop of pops) {
      let best: Moment | null = null;
      for (const [version, moment] of this.firstServed.get(pop) ?? []) {
        if (matching.has(version) && (!best || moment.monotonicMs < best.monotonicMs)) best = moment;
      }
      result.set(pop, best);
    }
    return result;
  }
}
