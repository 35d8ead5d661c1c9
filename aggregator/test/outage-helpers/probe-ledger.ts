/**
 * What each probe saw, from its own JSON log lines: the rounds it finished
 * ('round finished', info) and every report the aggregator acknowledged with
 * a 2xx ('report delivered', debug, carrying the aggregator's answer). The
 * crash and outage tests compare this ledger with the aggregator's database.
 */
import { Writable } from 'node:stream';
import { createLogger, type Logger, type RoundState } from '@propwatch/shared';

const RANK: Record<RoundState, number> = { running: 0, complete: 1, write_failed: 1 };

export class ProbeLedger {
  /** Round id → the furthest state the aggregator acknowledged for it. */
  readonly acked = new Map<string, RoundState>();
  /** Round id → final state, for rounds the probe finished (final report spooled). */
  readonly finished = new Map<string, RoundState>();
  /** Reports acknowledged (progress and final). */
  acks = 0;
  /** Lines that were not JSON (a crash trace, a partial line at SIGKILL). */
  readonly junk: string[] = [];
  /** Refusals the probe logged, by message ('aggregator answered HTTP 503'); logged at a streak's start and every 10th. */
  readonly refusals = new Map<string, number>();
  /** Called when the first acknowledgement of a round arrives. */
  onFirstAck: ((roundId: string) => void) | undefined;

  /** Feeds one log line (JSON, as pino writes it). */
  add(line: string): void {
    if (!line.trim()) return;
    let record: { msg?: string; roundId?: string; state?: RoundState; answer?: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      this.junk.push(line);
      return;
    }
    if (record.msg?.startsWith('aggregator answered HTTP'))
      this.refusals.set(record.msg, (this.refusals.get(record.msg) ?? 0) + 1);
    if (record.msg === 'round finished' && record.roundId && record.state)
      this.finished.set(record.roundId, record.state);
    if (record.msg === 'report delivered' && record.roundId) {
      this.acks += 1;
      // The answer's state is what the aggregator says it now stores for that round.
      const state = (JSON.parse(record.answer ?? '{}') as { state?: RoundState }).state ?? 'running';
      const before = this.acked.get(record.roundId);
      if (before === undefined || RANK[state] > RANK[before]) this.acked.set(record.roundId, state);
      if (before === undefined) this.onFirstAck?.(record.roundId);
    }
  }

  /** A debug-level logger whose lines land in this ledger (for in-process probes). */
  logger(name: string): Logger {
    let pending = '';
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) this.add(line);
        done();
      },
    });
    return createLogger({ name, level: 'debug', destination: sink });
  }
}

/** True when `stored` is at least as far along as `acked` (a stored round never moves back). */
export function isAtLeast(stored: RoundState, acked: RoundState): boolean {
  return RANK[stored] >= RANK[acked];
}
