import { IDENTIFIER_PATTERN } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import { compilePopPattern, createPopFromNsid } from './pop-from-nsid.js';

const identifier = new RegExp(IDENTIFIER_PATTERN);

describe('createPopFromNsid', () => {
  const map = createPopFromNsid({
    pattern: '^(?<pop>[a-z]{3})[0-9]*\\.',
    table: { 'lhr1.ns.example': 'LHR-edge', 'odd one': 'AMS' },
  });

  it('looks the NSID up in the table first, then applies the pattern and upper-cases its group', () => {
    expect(map('lhr1.ns.example')).toBe('LHR-edge');
    expect(map('odd one')).toBe('AMS');
    expect(map('fra12.ns.example')).toBe('FRA');
    expect(map('sin1.sim.propwatch')).toBe('SIN');
    expect(createPopFromNsid({ pattern: '^(?<pop>[a-z]{3})', uppercase: false })('fra1.x')).toBe('fra');
  });

  it('reports an unmapped NSID as itself when it is an identifier', () => {
    expect(map('ns-syd-03')).toBe('ns-syd-03');
    expect(createPopFromNsid()('lhr1.ns.example')).toBe('lhr1.ns.example');
  });

  it('makes any NSID a wire identifier: hostile characters replaced, long ones cut, a hash keeping them apart', () => {
    const hostile = ['\x1b[2Jpwned', 'lhr 1', 'lhr_1', '\u202eevil', '.dot', 'a'.repeat(512), 'ff'.repeat(256)];
    const pops = hostile.map((nsid) => map(nsid));
    for (const pop of pops) {
      expect(pop).toMatch(identifier);
      expect(pop.length).toBeLessThanOrEqual(63);
    }
    expect(pops[1]).toMatch(/^lhr-1-[0-9a-f]{8}$/);
    expect(pops[2]).toBe('lhr_1');
    expect(new Set(pops).size).toBe(hostile.length);
    // Deterministic: the same NSID is the same POP in every round.
    expect(hostile.map((nsid) => map(nsid))).toEqual(pops);
  });

  it('falls back to the NSID when the group is empty or the table names no identifier', () => {
    expect(createPopFromNsid({ pattern: '^(?<pop>[a-z]*)\\.' })('1.example')).toBe('1.example');
    expect(createPopFromNsid({ table: { x: 'L H R' } })('x')).toMatch(/^L-H-R-[0-9a-f]{8}$/);
  });
});

describe('compilePopPattern', () => {
  it.each([
    ['(unclosed', /^a regular expression \(Invalid regular expression/],
    ['^[a-z]{3}', /^a regular expression with a named group \(\?<pop>\.\.\.\)$/],
    ['^(?<site>[a-z]{3})', /^a regular expression with a named group \(\?<pop>\.\.\.\)$/],
  ])('refuses %s', (pattern, message) => {
    expect(compilePopPattern(pattern)).toMatch(message);
  });

  it('accepts a pattern whose group pop is optional or nested', () => {
    expect(compilePopPattern('^x|(?:(?<pop>[a-z]+)-)?')).toBeInstanceOf(RegExp);
  });
});
