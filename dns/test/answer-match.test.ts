import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  prepareQuery,
  RRClass,
  RRType,
  scanMessage,
  type MessageLayout,
  type PreparedQuery,
  answersPrepared,
  mismatchReason,
} from '../src/index.js';

const NAME = 'p1._Propwatch.propwatch.test';
const prepared = prepareQuery({ name: NAME, type: RRType.TXT, edns: { nsid: true } });

function response(
  question: { name: string; type: number; class: number },
  flags: { qr?: boolean; opcode?: number } = {},
  extraQuestion = false,
): { buf: Buffer; layout: MessageLayout } {
  const buf = encodeMessage({
    id: 1,
    flags: { qr: flags.qr ?? true, opcode: flags.opcode ?? 0, aa: true },
    questions: extraQuestion ? [question, question] : [question],
    edns: {},
  });
  const layout = scanMessage(buf);
  if (typeof layout === 'string') throw new Error(layout);
  return { buf, layout };
}

/** The hot path's verdict and the full comparison's, for the same bytes. */
function verdicts(
  r: { buf: Buffer; layout: MessageLayout },
  query: PreparedQuery = prepared,
): { fast: boolean; full: boolean } {
  const decoded = decodeMessage(r.buf);
  if (!decoded.ok) throw new Error(decoded.error);
  return { fast: answersPrepared(r.buf, r.layout, query), full: mismatchReason(decoded.message, query) === undefined };
}

describe('answersPrepared', () => {
  it('accepts our question echoed exactly or in any letter case (DNS 0x20)', () => {
    expect(verdicts(response({ name: NAME, type: RRType.TXT, class: RRClass.IN }))).toEqual({ fast: true, full: true });
    expect(verdicts(response({ name: NAME.toUpperCase(), type: RRType.TXT, class: RRClass.IN }))).toEqual({
      fast: true,
      full: true,
    });
    expect(verdicts(response({ name: 'P1._pROPWATCH.PropWatch.TEST', type: RRType.TXT, class: RRClass.IN }))).toEqual({
      fast: true,
      full: true,
    });
  });

  it('never folds case in type and class: 0x41 is not 0x61', () => {
    const upper = prepareQuery({ name: NAME, type: 0x41, class: 0x41 });
    expect(verdicts(response({ name: NAME, type: 0x61, class: 0x41 }), upper)).toEqual({ fast: false, full: false });
    expect(verdicts(response({ name: NAME, type: 0x41, class: 0x61 }), upper)).toEqual({ fast: false, full: false });
    expect(verdicts(response({ name: NAME, type: 0x41, class: 0x41 }), upper)).toEqual({ fast: true, full: true });
  });

  it.each([
    ['another name', response({ name: 'p2._propwatch.propwatch.test', type: RRType.TXT, class: RRClass.IN })],
    ['a longer name', response({ name: `x.${NAME}`, type: RRType.TXT, class: RRClass.IN })],
    ['another type', response({ name: NAME, type: RRType.SOA, class: RRClass.IN })],
    ['another class', response({ name: NAME, type: RRType.TXT, class: RRClass.CH })],
    ['QR=0', response({ name: NAME, type: RRType.TXT, class: RRClass.IN }, { qr: false })],
    ['opcode NOTIFY', response({ name: NAME, type: RRType.TXT, class: RRClass.IN }, { opcode: 4 })],
    ['two questions', response({ name: NAME, type: RRType.TXT, class: RRClass.IN }, {}, true)],
  ])('refuses %s, as the full comparison does', (_what, r) => {
    expect(verdicts(r)).toEqual({ fast: false, full: false });
  });

  it('never accepts what the full comparison refuses (random case and byte flips in the question)', () => {
    const base = response({ name: NAME, type: RRType.TXT, class: RRClass.IN });
    const questionEnd = base.layout.questionEnd;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ at: fc.integer({ min: 2, max: questionEnd - 1 }), value: fc.integer({ min: 0, max: 255 }) }),
          { maxLength: 3 },
        ),
        (flips) => {
          const buf = Buffer.from(base.buf);
          for (const { at, value } of flips) buf[at] = value;
          const layout = scanMessage(buf);
          if (typeof layout === 'string') return;
          const { fast, full } = verdicts({ buf, layout });
          if (fast) expect(full).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
