import { WIRE_VERSION, type RoundReport } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import { formatRoundTable } from './format-table.js';

const report = (write: RoundReport['round']['write'], pops: RoundReport['round']['pops'] = []): RoundReport => ({
  wireVersion: WIRE_VERSION,
  probe: { id: 'p1', region: 'test', version: '0.0.0' },
  round: {
    id: 'p1-1',
    zone: 'example.test',
    record: 'p1._propwatch.example.test',
    serial: '1',
    startedAt: '2026-01-01T00:00:00.000Z',
    state: pops.length ? 'complete' : 'write_failed',
    elapsedMs: 0,
    write,
    pops,
  },
});

describe('formatRoundTable', () => {
  it('prints a write error as one line without terminal control sequences', () => {
    const text = formatRoundTable(
      report({ submitToAckMs: 3, error: 'HTTP 403: \x1b[2J\x1b]0;pwned\x07 denied\r\nfake line\u202e' }),
    );
    expect(text).toBe(
      'round p1-1  serial 1  write_failed  write 3.0 ms  error: HTTP 403: \ufffd[2J\ufffd]0;pwned\ufffd denied fake line\ufffd\n',
    );
    expect(text.slice(0, -1)).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });

  it('shows a binary or hostile NSID as printable ASCII', () => {
    const text = formatRoundTable(
      report({ submitToAckMs: 3 }, [
        {
          pop: 'LHR',
          target: '192.0.2.1:53',
          nsid: 'pop\x1b[31mlhr',
          state: 'propagated',
          lowerMs: 1,
          upperMs: 3,
          estimateMs: 2,
          queries: 2,
          failures: 0,
        },
      ]),
    );
    expect(text).toContain('pop?[31mlhr');
    expect(text).not.toContain('\x1b');
  });

  it('shows the target each result came through and its kind; rerouted as a lower bound, unreachable without a figure', () => {
    const anycast = { target: '198.51.100.1:53', via: 'ns1', targetKind: 'anycast' as const, failures: 0 };
    const text = formatRoundTable(
      report({ submitToAckMs: 3 }, [
        { pop: 'LHR', ...anycast, nsid: 'lhr1.x', state: 'rerouted', lowerMs: 904.4, queries: 45 },
        {
          pop: 'FRA',
          ...anycast,
          nsid: 'fra1.x',
          state: 'propagated',
          lowerMs: 1000,
          upperMs: 1040,
          estimateMs: 1020,
          queries: 9,
        },
        {
          pop: 'ns2',
          ...anycast,
          target: '198.51.100.2:53',
          via: 'ns2',
          state: 'unreachable',
          lowerMs: 3000,
          queries: 50,
          failures: 50,
        },
        {
          pop: 'SYD',
          target: '192.0.2.9:53',
          state: 'propagated',
          lowerMs: 10,
          upperMs: 30,
          estimateMs: 20,
          queries: 2,
          failures: 0,
        },
      ]),
    );
    expect(text.split('\n').slice(1)).toEqual([
      'POP  VIA  KIND     TARGET           NSID    STATE        ESTIMATE   ± ERROR  QUERIES  FAILURES',
      'ns2  ns2  anycast  198.51.100.2:53  -       unreachable  -          -        50       50',
      'FRA  ns1  anycast  198.51.100.1:53  fra1.x  propagated   1020.0 ms  20.0 ms  9        0',
      'LHR  ns1  anycast  198.51.100.1:53  lhr1.x  rerouted     > 904 ms   -        45       0',
      'SYD  SYD  unicast  192.0.2.9:53     -       propagated   20.0 ms    10.0 ms  2        0',
      '',
    ]);
  });
});
