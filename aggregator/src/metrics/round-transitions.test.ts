import { expect, test } from 'vitest';
import type { PopResult } from '@propwatch/shared';
import type { StoredRound, UpsertResult } from '../storage/round-store.js';
import { findTransitions } from './round-transitions.js';

const pop = (name: string, state: PopResult['state'], failures = 0): PopResult => ({
  pop: name,
  target: `${name}:53`,
  state,
  lowerMs: 1000,
  estimateMs: 1500,
  upperMs: 2000,
  queries: 4,
  failures,
});
const round = (state: StoredRound['state'], pops: PopResult[]): StoredRound => ({
  probe: { id: 'p1', region: 'r', version: '1' },
  id: 'r1',
  zone: 'z',
  record: 'x',
  serial: '1',
  startedAt: '2025-01-01T00:00:00Z',
  state,
  elapsedMs: 1,
  write: { submitToAckMs: 1 },
  pops,
  firstReceivedAt: 0,
  receivedAt: 0,
});

test('a POP is observed once, on its transition to a final state; failures by increase', () => {
  const first: UpsertResult = {
    outcome: 'inserted',
    previous: null,
    current: round('running', [pop('LHR', 'pending', 1), pop('SIN', 'propagated')]),
  };
  expect(findTransitions(first)).toEqual({
    propagated: [{ pop: 'SIN', ms: 1500 }],
    timeouts: [],
    queryFailures: [{ pop: 'LHR', count: 1 }],
    writeFailed: false,
  });
  const second: UpsertResult = {
    outcome: 'updated',
    previous: first.current,
    current: round('complete', [pop('LHR', 'timeout', 3), pop('SIN', 'propagated')]),
  };
  expect(findTransitions(second)).toEqual({
    propagated: [],
    timeouts: ['LHR'],
    queryFailures: [{ pop: 'LHR', count: 2 }],
    writeFailed: false,
  });
  expect(
    findTransitions({ outcome: 'unchanged', previous: second.current, current: second.current }).propagated,
  ).toEqual([]);
});

test('write failure counted when the round first becomes write_failed', () => {
  expect(findTransitions({ outcome: 'inserted', previous: null, current: round('write_failed', []) }).writeFailed).toBe(
    true,
  );
  const failed = round('write_failed', []);
  expect(
    findTransitions({ outcome: 'updated', previous: failed, current: { ...failed, elapsedMs: 5 } }).writeFailed,
  ).toBe(false);
});
