import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SerialSource, compareSerials, hasPropagated, nextSerial, parseSerial } from './serial.js';

describe('serials', () => {
  it('follows the clock while it moves forward and never repeats when it does not', () => {
    expect(nextSerial(undefined, 1000.7)).toBe(1000n);
    expect(nextSerial(1000n, 2000)).toBe(2000n);
    expect(nextSerial(2000n, 2000)).toBe(2001n);
    expect(nextSerial(5000n, 10)).toBe(5001n);
  });

  it('compares as BigInt beyond 2^53', () => {
    const big = 2n ** 60n;
    expect(compareSerials(big, big + 1n)).toBe(-1);
    expect(compareSerials(big + 1n, big)).toBe(1);
    expect(compareSerials(big, big)).toBe(0);
    expect(hasPropagated(big + 1n, big)).toBe(true);
    expect(hasPropagated(big - 1n, big)).toBe(false);
  });

  it('parses only decimal digits', () => {
    expect(parseSerial('00123')).toBe(123n);
    expect(() => parseSerial('12a')).toThrow(/not 1-20 decimal digits/);
    expect(() => parseSerial('')).toThrow();
  });

  it('stays strictly increasing across a restart even when the clock went back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'propwatch-serial-'));
    const path = join(dir, 'state', 'serial');
    let now = 10_000;
    const first = new SerialSource(path, () => now);
    const a = first.next();
    const b = first.next();
    expect(b).toBe(a + 1n);
    now = 5_000; // clock stepped backwards while the probe was down
    const restarted = new SerialSource(path, () => now);
    expect(restarted.next()).toBe(b + 1n);
    expect(readFileSync(path, 'utf8').trim()).toBe((b + 1n).toString());
  });

  it('refuses a corrupted state file with a message saying what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'propwatch-serial-'));
    const path = join(dir, 'serial');
    writeFileSync(path, 'garbage');
    expect(() => new SerialSource(path)).toThrow(/expected decimal digits/);
  });
});
