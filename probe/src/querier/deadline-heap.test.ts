import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeadlineHeap, type HeapEntry } from './deadline-heap.js';

describe('DeadlineHeap', () => {
  it('pops in deadline order whatever was pushed and removed before', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 1000 }) }),
      fc.record({ remove: fc.nat() }),
      fc.record({ pop: fc.constant(true) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new DeadlineHeap<HeapEntry>();
        const live: HeapEntry[] = [];
        for (const o of ops) {
          if ('push' in o) {
            const entry = { deadline: o.push, heapIndex: -1 };
            heap.push(entry);
            live.push(entry);
          } else if ('remove' in o && live.length > 0) {
            const [entry] = live.splice(o.remove % live.length, 1);
            heap.remove(entry!);
            heap.remove(entry!); // removing twice is harmless
            expect(entry!.heapIndex).toBe(-1);
          } else if ('pop' in o && live.length > 0) {
            const top = heap.pop()!;
            expect(top.deadline).toBe(Math.min(...live.map((e) => e.deadline)));
            live.splice(live.indexOf(top), 1);
          }
          expect(heap.size).toBe(live.length);
        }
        const drained: number[] = [];
        for (let e = heap.pop(); e; e = heap.pop()) drained.push(e.deadline);
        expect(drained).toEqual(live.map((e) => e.deadline).sort((a, b) => a - b));
      }),
      { numRuns: 500 },
    );
  });
});
