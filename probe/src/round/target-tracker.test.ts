import { PopResult } from '@propwatch/shared';
import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { MAX_NSID_TEXT, TargetTracker } from './target-tracker.js';

describe('TargetTracker', () => {
  it('cuts an NSID to the wire schema bound, so one chatty server cannot get the report refused', () => {
    expect(MAX_NSID_TEXT).toBe((PopResult.properties.nsid as { maxLength?: number }).maxLength);
    const tracker = new TargetTracker({ name: 'LHR', address: '192.0.2.1', port: 53 });
    // A 64 KiB binary NSID renders as 128 Ki hex digits.
    tracker.record({ kind: 'hit', servedSerial: 1n, nsid: 'ab'.repeat(65_535), rttMs: 1 }, 0, 2);
    const result = tracker.toPopResult(2, undefined);
    expect(result.nsid).toBe('ab'.repeat(256));
    expect(Compile(PopResult).Check(result)).toBe(true);
  });
});
