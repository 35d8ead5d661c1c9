import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it('doubles the cap per failure up to the maximum, with full jitter', () => {
    expect(backoffDelayMs(0, 100, 5000, () => 0.999)).toBe(0);
    expect(backoffDelayMs(1, 100, 5000, () => 0.5)).toBe(50);
    expect(backoffDelayMs(3, 100, 5000, () => 0.5)).toBe(200);
    expect(backoffDelayMs(10, 100, 5000, () => 0.5)).toBe(2500);
    expect(backoffDelayMs(10_000, 100, 5000, () => 0.999)).toBe(4995);
    expect(backoffDelayMs(4, 100, 5000, () => 0)).toBe(0);
  });
});
