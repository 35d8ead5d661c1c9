/** The one TCP framer: whatever way a stream is split, the same messages come out, in order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameReader, frameMessage, MAX_TCP_MESSAGE_LENGTH } from '../src/index.js';

describe('frameMessage', () => {
  it('prefixes the 2-byte length', () => {
    expect(frameMessage(Buffer.from('abc')).toString('hex')).toBe('0003616263');
    expect(frameMessage(Buffer.alloc(0)).toString('hex')).toBe('0000');
  });

  it('refuses a message a 16-bit length cannot carry', () => {
    expect(frameMessage(Buffer.alloc(MAX_TCP_MESSAGE_LENGTH)).readUInt16BE(0)).toBe(0xffff);
    expect(() => frameMessage(Buffer.alloc(MAX_TCP_MESSAGE_LENGTH + 1))).toThrow(
      'a DNS message of 65536 bytes does not fit a TCP frame (65,535 at most)',
    );
  });
});

describe('FrameReader', () => {
  it('gives back every message however the stream is cut', () => {
    const messages = fc.array(
      fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(messages, fc.array(fc.nat(), { maxLength: 20 }), (sent, cuts) => {
        const stream = Buffer.concat(sent.map(frameMessage));
        const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
        const reader = new FrameReader();
        const received: Buffer[] = [];
        let from = 0;
        for (const to of [...points, stream.length]) {
          received.push(...reader.push(stream.subarray(from, to)));
          from = to;
        }
        expect(received.map((m) => m.toString('hex'))).toEqual(sent.map((m) => m.toString('hex')));
        expect(reader.pendingBytes).toBe(0);
        expect(reader.received).toBe(stream.length);
      }),
      { numRuns: 300 },
    );
  });

  it('holds an incomplete frame back and says how much of it there is', () => {
    const reader = new FrameReader();
    expect(reader.push(Buffer.from([0x00]))).toEqual([]);
    expect(reader.push(Buffer.from([0x05, 1, 2]))).toEqual([]);
    expect(reader.pendingBytes).toBe(4);
    expect(reader.push(Buffer.from([3, 4, 5, 0, 1]))).toEqual([Buffer.from([1, 2, 3, 4, 5])]);
    expect(reader.pendingBytes).toBe(2);
  });

  it('holds at most one incomplete frame, fed one byte at a time', () => {
    const frame = frameMessage(Buffer.alloc(MAX_TCP_MESSAGE_LENGTH, 7));
    const stream = Buffer.concat([frame, frame.subarray(0, 1000)]);
    const reader = new FrameReader();
    const out: Buffer[] = [];
    let most = 0;
    for (let i = 0; i < stream.length; i++) {
      out.push(...reader.push(stream.subarray(i, i + 1)));
      most = Math.max(most, reader.pendingBytes);
    }
    expect(out.map((m) => m.length)).toEqual([MAX_TCP_MESSAGE_LENGTH]);
    expect(out[0]!.every((b) => b === 7)).toBe(true);
    expect(most).toBe(frame.length - 1);
    expect(reader.pendingBytes).toBe(1000);
  });
});
