import { describe, expect, it } from 'vitest';
import { type AnsweredQuery, AnswerLog } from './answer-log.js';

const at = (ms: number) => ({ monotonicMs: ms, epochMs: 1_700_000_000_000 + ms });
const entry = (i: number, over: Partial<AnsweredQuery> = {}): Omit<AnsweredQuery, 'seq'> => ({
  vantage: i % 2 ? 'eu-west' : 'us-west',
  source: '127.0.1.1',
  via: i % 3 ? 'ns1' : 'LHR',
  kind: i % 3 ? 'anycast' : 'unicast',
  transport: 'udp',
  pop: i % 2 ? 'LHR' : 'SJC',
  nsid: 'x',
  qname: 'propwatch.test',
  qtype: 6,
  version: i,
  serial: 1 + i,
  receivedAt: at(i),
  decidedAt: at(i + 1),
  sentAt: at(i + 2),
  ...over,
});

describe('AnswerLog', () => {
  it('is a ring: it holds the last `capacity` answers and numbers every answer ever recorded', () => {
    const log = new AnswerLog(3);
    for (let i = 0; i < 5; i++) log.record(entry(i));
    expect([log.size, log.recorded]).toEqual([3, 5]);
    const page = log.list();
    expect(page.answers.map((a) => a.seq)).toEqual([2, 3, 4]);
    expect(page).toMatchObject({ next: 5, oldest: 2, recorded: 5 });
    expect(page.answers[0]).toMatchObject({ seq: 2, version: 2, decidedAt: at(3) });
  });

  it('pages with since and limit, without missing or repeating an answer', () => {
    const log = new AnswerLog(100);
    for (let i = 0; i < 10; i++) log.record(entry(i));
    const first = log.list({ limit: 4 });
    const second = log.list({ since: first.next, limit: 4 });
    const third = log.list({ since: second.next, limit: 4 });
    expect([first, second, third].flatMap((p) => p.answers.map((a) => a.seq))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(third.next).toBe(10);
    // `since` older than the ring starts at the oldest held.
    const small = new AnswerLog(2);
    for (let i = 0; i < 4; i++) small.record(entry(i));
    expect(small.list({ since: 0 }).answers.map((a) => a.seq)).toEqual([2, 3]);
  });

  it('filters by vantage, address and POP', () => {
    const log = new AnswerLog(100);
    for (let i = 0; i < 12; i++) log.record(entry(i));
    expect(log.list({ vantage: 'eu-west' }).answers.every((a) => a.vantage === 'eu-west')).toBe(true);
    expect(log.list({ vantage: 'eu-west' }).answers).toHaveLength(6);
    expect(log.list({ via: 'LHR', pop: 'SJC' }).answers.map((a) => a.seq)).toEqual([0, 6]);
    // A filtered page with a limit continues after the last answer it scanned.
    const page = log.list({ pop: 'LHR', limit: 2 });
    expect(page.answers.map((a) => a.seq)).toEqual([1, 3]);
    expect(log.list({ pop: 'LHR', since: page.next }).answers.map((a) => a.seq)).toEqual([5, 7, 9, 11]);
  });

  it('refuses a capacity below one', () => {
    expect(() => new AnswerLog(0)).toThrow('answerLogSize 0: expected an integer >= 1');
  });
});
