/**
 * The beacon client's state as its JSON log tells it ('beacon state changed',
 * with pino's `time`), for the HA chaos test: when did the beacon reach a
 * state, measured from the moment the aggregator decided it.
 */
export interface BeaconChange {
  from: string | null;
  to: string;
  /** pino's `time`, as ms since the epoch. */
  at: number;
}

export class BeaconLog {
  readonly changes: BeaconChange[] = [];
  /** Lines that were not JSON (a crash trace). */
  readonly junk: string[] = [];

  add(line: string): void {
    if (!line.trim()) return;
    let record: { msg?: string; from?: string | null; to?: string; time?: number | string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      this.junk.push(line);
      return;
    }
    // pino's time: ISO text in propwatch's loggers, epoch ms in pino's default.
    const at = typeof record.time === 'string' ? Date.parse(record.time) : record.time;
    if (record.msg === 'beacon state changed' && typeof record.to === 'string' && Number.isFinite(at))
      this.changes.push({ from: record.from ?? null, to: record.to, at: at! });
  }

  /** The state the beacon showed at `time` (undefined before its first status). */
  stateAt(time: number): string | undefined {
    let state: string | undefined;
    for (const change of this.changes) if (change.at <= time) state = change.to;
    return state;
  }

  /**
   * How long after `since` the beacon first showed `state` (0 when it already did at `since`), or undefined
   * when it never did before `until`.
   */
  delayTo(state: string, since: number, until = Infinity): number | undefined {
    if (this.stateAt(since) === state) return 0;
    const reached = this.changes.find((c) => c.at > since && c.at <= until && c.to === state);
    return reached === undefined ? undefined : reached.at - since;
  }
}
