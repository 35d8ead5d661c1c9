/** Names on the wire beyond the message codec: labels, canonical form, compression, reading at an offset. */
import { describe, expect, it } from 'vitest';
import { canonicalNameToWire, NameCompressor, nameLabels, nameToWire, readNameAt } from '../src/index.js';

describe('nameLabels / nameToWire', () => {
  it('accepts escapes and the root, and keeps letter case', () => {
    expect(nameToWire('A\\.b.c\\065.').toString('latin1')).toBe('\x03A.b\x02cA\x00');
    expect(nameLabels('.')).toEqual([]);
    expect(nameLabels('')).toEqual([]);
  });

  it.each([
    ['a..b', 'has an empty label'],
    [`${'a'.repeat(64)}.b`, 'has a label longer than 63 bytes'],
    [Array.from({ length: 5 }, () => 'a'.repeat(63)).join('.'), 'is longer than 255 bytes on the wire'],
    ['caf\u00e9\u2603', 'non-Latin-1 character; use punycode'],
    ['a\\', 'ends with a lone backslash'],
    ['a\\300', 'escape \\300 above 255'],
  ])('rejects %j', (name, message) => {
    expect(() => nameToWire(name)).toThrow(message);
  });
});

describe('canonicalNameToWire', () => {
  it('lower-cases ASCII letters only (RFC 4034 §6.2)', () => {
    expect(canonicalNameToWire('Key.EXAMPLE.\\200Z').toString('latin1')).toBe('\x03key\x07example\x02\xc8z\x00');
  });
});

describe('NameCompressor', () => {
  it('points at the longest suffix written before, case-insensitively', () => {
    const compressor = new NameCompressor();
    const zone = compressor.encode('Example.TEST', 12);
    expect(zone.toString('hex')).toBe(nameToWire('Example.TEST').toString('hex'));
    // a.example.test → label "a", then a pointer to offset 12.
    expect(compressor.encode('a.example.test', 30).toString('hex')).toBe('016' + '1c00c');
    // The same name again is a bare pointer to where it was written.
    expect(compressor.encode('A.example.test.', 60).toString('hex')).toBe('c01e');
  });

  it('never points past the 14 bits a pointer has', () => {
    const compressor = new NameCompressor();
    compressor.encode('far.example', 0x4000);
    expect(compressor.encode('far.example', 0x4100)).toEqual(nameToWire('far.example'));
  });

  it('reads back through the hardened decoder', () => {
    const compressor = new NameCompressor();
    const first = compressor.encode('zone.test', 0);
    const second = compressor.encode('x.zone.test', first.length);
    const message = Buffer.concat([first, second]);
    expect(readNameAt(message, first.length)).toEqual({ name: 'x.zone.test', end: message.length });
  });
});

describe('readNameAt', () => {
  it('refuses loops and overruns with the decoder message', () => {
    expect(() => readNameAt(Buffer.from([0xc0, 0x00]), 0)).toThrow('points forward or loops');
    expect(() => readNameAt(Buffer.from([5, 0x61]), 0)).toThrow('past the end');
    expect(readNameAt(Buffer.from([0]), 0)).toEqual({ name: '.', end: 1 });
  });
});
