import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainText } from './plain-text.js';
import { escapeSlackText } from './slack-text.js';

const R = '\ufffd';

describe('plainText', () => {
  it.each([
    ['ANSI clear screen and colour', 'a\x1b[2J\x1b[31mb', `a${R}[2J${R}[31mb`],
    ['C1 CSI (8-bit escape)', 'a\u009b2Jb', `a${R}2Jb`],
    ['OSC window title with BEL', '\x1b]0;pwned\x07x', `${R}]0;pwned${R}x`],
    ['DEL and NUL', 'a\x7fb\x00c', `a${R}b${R}c`],
    ['bidi override hides the real text order', 'file\u202egpj.exe', `file${R}gpj.exe`],
    ['bidi isolates and marks', '\u2066a\u2069\u200e\u200f\u061c', `${R}a${R}${R}${R}${R}`],
    [
      'zero-width space, joiners, BOM, soft hyphen',
      'p\u200ba\u200cy\u200dp\ufeffa\u00adl',
      `p${R}a${R}y${R}p${R}a${R}l`,
    ],
    ['tag characters (invisible ASCII)', 'ok\u{e0041}\u{e0042}', `ok${R}${R}`],
    ['Hangul fillers and variation selectors supplement', 'a\u3164b\u{e0100}c', `a${R}b${R}c`],
    ['a lone surrogate', 'x\ud800y', `x${R}y`],
    ['line breaks become one space', 'one\r\ntwo\nthree\u2028four\u0085five\ttab', 'one two three four five tab'],
    ['a pile of combining marks keeps four', `Z${'\u0301'.repeat(30)}a`, `Z${'\u0301'.repeat(4)}a`],
    ['ordinary text of any script is kept', 'Zone täst — 例え 👍 ok', 'Zone täst — 例え 👍 ok'],
    ['leading and trailing space trimmed', '  \n padded \n ', 'padded'],
  ])('%s', (_why, input, expected) => {
    expect(plainText(input, 200)).toBe(expected);
  });

  it('caps the length with an ellipsis, never splitting a surrogate pair', () => {
    expect(plainText('abcdef', 6)).toBe('abcdef');
    expect(plainText('abcdefg', 6)).toBe('abcde…');
    expect(plainText(`${'x'.repeat(9)}😀😀`, 11)).toBe(`${'x'.repeat(9)}…`);
    expect(plainText('x'.repeat(5_000_000), 300)).toHaveLength(300);
  });

  it('rejects a cap that is not a positive integer', () => {
    expect(() => plainText('x', 0)).toThrow(/maxLength must be an integer from 1 up, got 0/);
  });

  it('never returns a control, format, line-breaking or lone-surrogate character, nor more than the cap', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), fc.integer({ min: 1, max: 300 }), (text, max) => {
        const out = plainText(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]/u);
      }),
      { numRuns: 500 },
    );
  });
});

describe('escapeSlackText', () => {
  it('neutralises mentions and lying links: & < > become entities, nothing else changes', () => {
    expect(escapeSlackText('<!channel> <!here|here> <@U024BE7LH>')).toBe(
      '&lt;!channel&gt; &lt;!here|here&gt; &lt;@U024BE7LH&gt;',
    );
    expect(escapeSlackText('<https://evil.example|https://dash.cloudflare.com>')).toBe(
      '&lt;https://evil.example|https://dash.cloudflare.com&gt;',
    );
    expect(escapeSlackText('a &amp; b')).toBe('a &amp;amp; b');
    expect(escapeSlackText('plain *text* _as is_')).toBe('plain *text* _as is_');
  });
});
