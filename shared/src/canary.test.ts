import { describe, expect, it } from 'vitest';
import { buildCanaryTxt, canaryName, parseCanary } from './canary.js';

describe('canary TXT format', () => {
  it('builds the documented content and parses it back', () => {
    const text = buildCanaryTxt({ serial: 1732200000123n, probeId: 'aws-eu1' });
    expect(text).toBe('propwatch=1 serial=1732200000123 probe=aws-eu1');
    expect(parseCanary([text])).toEqual({ kind: 'found', serial: 1732200000123n, probeId: 'aws-eu1' });
  });

  it('joins a record split into several character-strings', () => {
    expect(parseCanary([['propwatch=1 serial=12', '34 probe=p1']])).toEqual({
      kind: 'found',
      serial: 1234n,
      probeId: 'p1',
    });
  });

  it('ignores other TXT records at the same name', () => {
    const records = ['v=spf1 -all', ['google-site-verification=abc'], 'propwatch=1 serial=7 probe=p1'];
    expect(parseCanary(records)).toEqual({ kind: 'found', serial: 7n, probeId: 'p1' });
  });

  it('is absent when no record is ours', () => {
    expect(parseCanary([])).toEqual({ kind: 'absent' });
    expect(parseCanary(['hello', 'propwatchers unite'])).toEqual({ kind: 'absent' });
  });

  it.each([
    'propwatch=1 serial=abc probe=p1',
    'propwatch=2 serial=1 probe=p1',
    'propwatch=1 serial=1 probe=p1 extra',
    'propwatch=1  serial=1 probe=p1',
    'propwatch=1 serial=123456789012345678901 probe=p1',
    'propwatch=1 serial=1 probe=<script>',
  ])('rejects a record that claims our format but breaks it: %s', (text) => {
    const result = parseCanary([text]);
    expect(result.kind).toBe('malformed');
  });

  it('takes the highest serial when old and new records are served together', () => {
    expect(
      parseCanary(['propwatch=1 serial=5 probe=p1', 'propwatch=1 serial=9 probe=p1', 'propwatch=1 serial=7 probe=p1']),
    ).toMatchObject({ serial: 9n });
  });

  it('ignores canaries of other probes when a probe id is given', () => {
    expect(parseCanary(['propwatch=1 serial=9 probe=other'], 'p1')).toEqual({ kind: 'absent' });
    expect(parseCanary(['propwatch=1 serial=9 probe=other', 'propwatch=1 serial=3 probe=p1'], 'p1')).toMatchObject({
      serial: 3n,
    });
  });

  it('names the canary under the label and zone, lower-cased, without trailing dot', () => {
    expect(canaryName('P1', 'Example.COM.')).toBe('p1._propwatch.example.com');
    expect(canaryName('p1', 'example.com', '_canary')).toBe('p1._canary.example.com');
    expect(() => canaryName('bad id', 'example.com')).toThrow(/not a valid DNS label/);
  });
});
