/**
 * Ground truth per answered query: which instance answered (POP, NSID), for
 * which vantage and address, the zone version and serial it served, and the
 * instant the POP decided (when the query reached it), besides when the sim
 * received the query and sent the answer. A ring: the last `capacity`
 * answers, so a long run stays flat in memory; `seq` numbers every answer
 * ever recorded so a reader can page through without missing or repeating.
 */
import type { Moment } from './moment.js';

export interface AnsweredQuery {
  /** 0, 1, 2, … over the whole run. */
  seq: number;
  vantage: string;
  /** The query's source address. */
  source: string;
  /** The anycast address's name (`ns1`), or the POP's name for its unicast address. */
  via: string;
  kind: 'anycast' | 'unicast';
  transport: 'udp' | 'tcp';
  /** The POP that answered, and the identity it answered with (NSID, CHAOS id.server). */
  pop: string;
  nsid: string;
  /** The question, lower case without the final dot, and its type number. */
  qname: string;
  qtype: number;
  /** The zone version the POP served, and its SOA serial. */
  version: number;
  serial: number;
  /** When the query reached the sim's socket. */
  receivedAt: Moment;
  /** When it reached the POP (after half the RTT): the POP served the version it had applied at this instant. */
  decidedAt: Moment;
  /** When the answer left the sim's socket (half the RTT later). */
  sentAt: Moment;
}

export interface AnswerFilter {
  /** Only answers with seq >= since. */
  since?: number;
  /** At most this many (default all that match). */
  limit?: number;
  vantage?: string;
  via?: string;
  pop?: string;
}

export interface AnswerPage {
  answers: AnsweredQuery[];
  /** Pass as `since` to continue after this page. */
  next: number;
  /** The oldest seq still held (older answers were overwritten). */
  oldest: number;
  /** Answers recorded over the whole run. */
  recorded: number;
}

export class AnswerLog {
  private readonly ring: Array<AnsweredQuery | undefined>;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`answerLogSize ${capacity}: expected an integer >= 1`);
    this.ring = new Array<AnsweredQuery | undefined>(capacity);
  }

  record(entry: Omit<AnsweredQuery, 'seq'>): AnsweredQuery {
    const answered = { seq: this.count, ...entry };
    this.ring[this.count % this.capacity] = answered;
    this.count++;
    return answered;
  }

  /** Answers recorded over the whole run. */
  get recorded(): number {
    return this.count;
  }

  /** Answers held now (at most `capacity`). */
  get size(): number {
    return Math.min(this.count, this.capacity);
  }

  /** Answers held, oldest first, that match the filter. */
  list(filter: AnswerFilter = {}): AnswerPage {
    const oldest = this.count - this.size;
    const limit = filter.limit ?? Infinity;
    const answers: AnsweredQuery[] = [];
    let seq = Math.max(oldest, filter.since ?? 0);
    for (; seq < this.count && answers.length < limit; seq++) {
      const entry = this.ring[seq % this.capacity]!;
      if (filter.vantage !== undefined && entry.vantage !== filter.vantage) continue;
      if (filter.via !== undefined && entry.via !== filter.via) continue;
      if (filter.pop !== undefined && entry.pop !== filter.pop) continue;
      answers.push(entry);
    }
    return { answers, next: seq, oldest, recorded: this.count };
  }
}
