import { describe, expect, it } from 'vitest';
import { prepareQuery, RRType } from '@propwatch/dns';
import { SpareWires } from './spare-wires.js';

describe('SpareWires', () => {
  const prepared = prepareQuery({ name: 'p1._propwatch.example', type: RRType.TXT, edns: { nsid: true } });

  it('never hands out a buffer whose send has not completed', () => {
    const wires = new SpareWires();
    const first = wires.take(prepared, 0x0102);
    const second = wires.take(prepared, 0x0304);
    expect(second).not.toBe(first);
    expect(first.readUInt16BE(0)).toBe(0x0102);
    expect(second.readUInt16BE(0)).toBe(0x0304);
  });

  it('reuses a released buffer with the new ID and the same query bytes', () => {
    const wires = new SpareWires();
    const first = wires.take(prepared, 0xabcd);
    wires.release(prepared, first);
    const again = wires.take(prepared, 0x00ff);
    expect(again).toBe(first);
    expect(again.readUInt16BE(0)).toBe(0x00ff);
    expect(again.subarray(2)).toEqual(prepared.wire.subarray(2));
  });

  it('keeps spares per prepared query', () => {
    const wires = new SpareWires();
    const other = prepareQuery({ name: 'other.example', type: RRType.SOA });
    wires.release(prepared, wires.take(prepared, 1));
    expect(wires.take(other, 2).subarray(2)).toEqual(other.wire.subarray(2));
  });
});
