import { expect, test } from 'vitest';
import type { RoundState } from '@propwatch/shared';
import { isFurtherAlong } from './round-order.js';

test.each<[RoundState, number, RoundState, number, boolean]>([
  ['running', 1000, 'running', 2000, true],
  ['running', 2000, 'running', 1000, false],
  ['running', 2000, 'running', 2000, false],
  ['running', 9000, 'complete', 1000, true],
  ['complete', 5000, 'running', 9000, false],
  ['complete', 5000, 'complete', 5000, false],
  ['running', 100, 'write_failed', 50, true],
  ['write_failed', 100, 'running', 500, false],
])('stored %s@%d, incoming %s@%d → replace: %s', (storedState, storedMs, inState, inMs, expected) => {
  expect(isFurtherAlong({ state: storedState, elapsedMs: storedMs }, { state: inState, elapsedMs: inMs })).toBe(
    expected,
  );
});
