/**
 * The UPDATE that replaces a TXT RRset (RFC 2136) and TSIG (RFC 8945) on
 * their own: TXT RDATA splitting, the message layout, bad input, and TSIG on
 * hostile bytes. Byte-for-byte agreement with nsupdate and knsupdate is in
 * tsig-vectors.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeTxtRdata,
  encodeTxtReplaceUpdate,
  listRecords,
  RRClass,
  RRType,
  signMessage,
  tsigServerTime,
  verifyTsig,
  type RecordSpan,
  type TsigKey,
} from '../src/index.js';

const KEY: TsigKey = { name: 'k', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 1) };

function records(message: Buffer): RecordSpan[] {
  const listed = listRecords(message);
  if (!listed.ok) throw new Error(listed.error);
  return listed.records;
}

describe('TXT RDATA', () => {
  it.each([
    ['', [0]],
    ['a'.repeat(255), [255]],
    ['a'.repeat(256), [255, 1]],
    ['a'.repeat(600), [255, 255, 90]],
  ])('splits %#into character-strings of at most 255 bytes', (content, lengths) => {
    const rdata = encodeTxtRdata(content);
    const seen: number[] = [];
    for (let offset = 0; offset < rdata.length; offset += rdata[offset]! + 1) seen.push(rdata[offset]!);
    expect(seen).toEqual(lengths);
  });

  it('counts bytes, not characters', () => {
    expect(encodeTxtRdata('é'.repeat(200))[0]).toBe(255);
  });
});

describe('UPDATE message', () => {
  it('has opcode 5, one zone entry, no prerequisites, two updates and no additional records', () => {
    const message = encodeTxtReplaceUpdate(
      { zone: 'example.test', name: 'a.example.test', content: 'x', ttl: 9 },
      0xbeef,
    );
    expect(message.readUInt16BE(0)).toBe(0xbeef);
    expect(message.readUInt16BE(2)).toBe(0x2800);
    expect([4, 6, 8, 10].map((offset) => message.readUInt16BE(offset))).toEqual([1, 0, 2, 0]);
    const [remove, add] = records(message);
    expect(remove).toMatchObject({ name: 'a.example.test', type: RRType.TXT, class: RRClass.ANY, ttl: 0 });
    expect(remove!.rdataEnd - remove!.rdataStart).toBe(0);
    expect(add).toMatchObject({ name: 'a.example.test', type: RRType.TXT, class: RRClass.IN, ttl: 9 });
  });

  it.each([
    [{ name: 'a.other.test' }, 'record name "a.other.test" is not inside zone "example.test"'],
    [{ name: 'aexample.test' }, 'is not inside zone'],
    [{ ttl: -1 }, 'TTL -1 is not an integer'],
    [{ name: `${'a'.repeat(64)}.example.test` }, 'label longer than 63 bytes'],
    [{ name: 'a..example.test' }, 'empty label'],
  ])('rejects bad input %#', (override, message) => {
    expect(() =>
      encodeTxtReplaceUpdate({ zone: 'example.test', name: 'a.example.test', content: 'x', ttl: 9, ...override }, 1),
    ).toThrow(message);
  });
});

describe('TSIG', () => {
  const update = () => encodeTxtReplaceUpdate({ zone: 'e.test', name: 'a.e.test', content: 'x', ttl: 1 }, 1);

  it('signs and verifies, and the TSIG is the last record of the additional section', () => {
    const signed = signMessage(update(), KEY, { timeSigned: 10 });
    const last = records(signed.message).at(-1)!;
    expect(last).toMatchObject({ section: 'additional', type: RRType.TSIG, class: RRClass.ANY, name: 'k' });
    expect(verifyTsig(signed.message, KEY, { nowSeconds: 12 })).toMatchObject({
      kind: 'verified',
      timeSkewSeconds: 2,
      fields: { originalId: 1, error: 0, fudge: 300 },
    });
  });

  it('calls a message without TSIG unsigned', () => {
    expect(verifyTsig(update(), KEY, { nowSeconds: 10 })).toEqual({ kind: 'unsigned' });
  });

  it('rejects a TSIG record that is not the last record', () => {
    const signed = signMessage(update(), KEY, { timeSigned: 10 }).message;
    const again = signMessage(signed, KEY, { timeSigned: 10 }).message;
    expect(verifyTsig(again, KEY, { nowSeconds: 10 })).toEqual({
      kind: 'bad',
      reason: 'TSIG record is not the last record',
    });
  });

  it('binds a response to its request through the request MAC', () => {
    const request = signMessage(update(), KEY, { timeSigned: 10 });
    const response = Buffer.from(update());
    response[2]! |= 0x80;
    const signed = signMessage(response, KEY, { timeSigned: 11, requestMac: request.mac }).message;
    expect(verifyTsig(signed, KEY, { requestMac: request.mac, nowSeconds: 11 }).kind).toBe('verified');
    expect(verifyTsig(signed, KEY, { requestMac: Buffer.alloc(32), nowSeconds: 11 })).toEqual({
      kind: 'bad',
      reason: 'MAC does not match',
    });
  });

  it('never throws on arbitrary bytes, and never verifies them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(['bad', 'unsigned', 'unsigned-error']).toContain(
          verifyTsig(Buffer.from(bytes), KEY, { nowSeconds: 0 }).kind,
        );
      }),
      { numRuns: 500 },
    );
  });

  it('reads the server time of a BADTIME answer only from 6 bytes of Other Data', () => {
    expect(tsigServerTime(Buffer.from([0, 0, 0x65, 0x4f, 0x3a, 0x80]))).toBe(0x654f3a80);
    expect(tsigServerTime(Buffer.alloc(0))).toBeUndefined();
    expect(tsigServerTime(Buffer.alloc(8))).toBeUndefined();
  });
});
