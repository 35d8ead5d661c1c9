import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser, type SseError, type SseItem } from './sse-parser.js';

function parseAll(chunks: string[], limits = { maxLineChars: 1 << 20, maxEventChars: 1 << 20 }) {
  const parser = new SseParser(limits);
  const items: Array<SseItem | SseError> = [];
  for (const chunk of chunks) items.push(...parser.push(chunk));
  return { items, lastEventId: parser.lastEventId };
}

describe('SseParser', () => {
  it('reads the aggregator contract: retry, status events with ids, heartbeat comments', () => {
    const { items, lastEventId } = parseAll([
      'retry: 1000\n\nid: b1-1\nevent: status\ndata: {"state":"ok"}\n\n: hb 1700000000000\n\n',
      'id: b1-2\nevent: status\ndata: {"state":"alarm"}\n\n',
    ]);
    expect(items).toEqual([
      { kind: 'retry', ms: 1000 },
      { kind: 'event', event: 'status', data: '{"state":"ok"}', id: 'b1-1' },
      { kind: 'comment', text: 'hb 1700000000000' },
      { kind: 'event', event: 'status', data: '{"state":"alarm"}', id: 'b1-2' },
    ]);
    expect(lastEventId).toBe('b1-2');
  });

  it('follows the standard: CR, CRLF and LF line ends, joined data lines, one optional space, a BOM, defaults', () => {
    const { items } = parseAll(['\uFEFFdata:a\r\ndata:  b\rdata\n\nevent:x\ndata: c\nbogus: 1\n\nid: 7\n\n']);
    expect(items).toEqual([
      { kind: 'event', event: 'message', data: 'a\n b\n', id: undefined },
      { kind: 'event', event: 'x', data: 'c', id: undefined },
    ]);
  });

  it('ignores a bad retry value and an id holding NUL, and does not dispatch an event without data', () => {
    const { items, lastEventId } = parseAll(['retry: 10s\nid: a\0b\nevent: status\n\nid: ok-1\n\n']);
    expect(items).toEqual([]);
    expect(lastEventId).toBe('ok-1');
  });

  it('fails on a line longer than the bound, even one that never ends, and then accepts nothing', () => {
    const limits = { maxLineChars: 100, maxEventChars: 1000 };
    const parser = new SseParser(limits);
    expect(parser.push('data: ' + 'x'.repeat(60))).toEqual([]);
    expect(parser.push('x'.repeat(60))).toEqual([{ kind: 'error', reason: 'a line longer than 100 characters' }]);
    expect(parser.push('\n\ndata: ok\n\n')).toEqual([{ kind: 'error', reason: 'a line longer than 100 characters' }]);
  });

  it('fails on an event whose data lines add up past the bound', () => {
    const limits = { maxLineChars: 100, maxEventChars: 250 };
    const lines = Array.from({ length: 5 }, () => `data: ${'y'.repeat(60)}\n`).join('');
    const { items } = parseAll([lines], limits);
    expect(items).toEqual([{ kind: 'error', reason: 'an event larger than 250 characters' }]);
  });

  it('yields the same items for any chunking of a valid stream (property)', () => {
    const field = fc.stringMatching(/^[^\r\n]{0,20}$/);
    const block = fc.oneof(
      fc
        .record({
          id: fc.option(fc.stringMatching(/^[a-z0-9-]{1,8}$/), { nil: undefined }),
          data: fc.array(field, { minLength: 1, maxLength: 3 }),
        })
        .map(
          ({ id, data }) =>
            `${id === undefined ? '' : `id: ${id}\n`}event: status\n${data.map((d) => `data: ${d}`).join('\n')}\n\n`,
        ),
      field.map((text) => `:${text}\n`),
      fc.integer({ min: 0, max: 99_999 }).map((ms) => `retry: ${ms}\n`),
    );
    const eol = fc.constantFrom('\n', '\r\n', '\r');
    fc.assert(
      fc.property(
        fc.array(block, { maxLength: 8 }),
        eol,
        fc.array(fc.nat(), { maxLength: 12 }),
        (blocks, end, cuts) => {
          const text = blocks.join('').replace(/\n/g, end);
          const whole = parseAll([text]);
          const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
          const chunks: string[] = [];
          let from = 0;
          for (const point of points) {
            chunks.push(text.slice(from, point));
            from = point;
          }
          chunks.push(text.slice(from));
          expect(parseAll(chunks)).toEqual(whole);
          expect(whole.items.some((item) => item.kind === 'error')).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
