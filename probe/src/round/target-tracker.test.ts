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

  it('keeps a failure reason from the network as one line of plain text within the wire bound', () => {
    const tracker = new TargetTracker({ name: 'LHR', address: '192.0.2.1', port: 53 });
    const reason = `malformed canary: TXT "\x1b[2Jpropwatch=1\u009b31m\r\nserial=\u202e1" ${'y'.repeat(400)}`;
    tracker.record({ kind: 'failure', reason }, 0, 2);
    const result = tracker.toPopResult(2, undefined);
    expect(result.lastError).toMatch(/^malformed canary: TXT "\uFFFD\[2Jpropwatch=1\uFFFD31m serial=\uFFFD1" y+…$/);
    expect(result.lastError).toHaveLength(300);
    expect(Compile(PopResult).Check(result)).toBe(true);
  });
});
