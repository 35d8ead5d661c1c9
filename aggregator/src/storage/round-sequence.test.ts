import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compareRounds, isLater, serialKey } from './round-sequence.js';

const at = (serial: string, firstReceivedAt = 0, id = `p1-${serial}`) => ({ id, serial, firstReceivedAt });

describe("a probe's round sequence", () => {
  test('is by serial, whatever the probe clock said: a later serial is later even when it arrived first', () => {
    expect(isLater(at('1735689600001', 0), at('1735689600000', 5_000))).toBe(true);
    expect(isLater(at('1735689600000', 5_000), at('1735689600001', 0))).toBe(false);
  });

  test('serials compare as numbers: more digits, leading zeros, 20 digits beyond 64 bits', () => {
    expect(isLater(at('10'), at('9'))).toBe(true);
    expect(compareRounds(at('0009', 0, 'p1-9'), at('9', 0, 'p1-9'))).toBe(0);
    expect(isLater(at('99999999999999999999'), at('18446744073709551615'))).toBe(true);
  });

  test('a reused serial (a misbehaving probe): the later first arrival, then the larger round id', () => {
    expect(isLater(at('5', 2_000, 'a'), at('5', 1_000, 'b'))).toBe(true);
    expect(isLater(at('5', 1_000, 'b'), at('5', 1_000, 'a'))).toBe(true);
    expect(compareRounds(at('5', 1_000, 'a'), at('5', 1_000, 'a'))).toBe(0);
  });

  test('serialKey is fixed-width text that sorts like the number (SQLite compares it as text)', () => {
    expect(serialKey('1735689600000')).toBe('00000001735689600000');
    expect(serialKey('0000042')).toBe(serialKey('42'));
    expect(serialKey('0')).toBe('00000000000000000000');
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }),
        fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }),
        fc.nat({ max: 3 }),
        (a, b, zeros) => {
          const keyA = serialKey('0'.repeat(zeros) + a.toString());
          const keyB = serialKey(b.toString());
          expect(keyA < keyB).toBe(a < b);
          expect(keyA === keyB).toBe(a === b);
        },
      ),
    );
  });
});
