/** The dashboard's SSE parsing (public/status-stream.js), against frames cut anywhere as they arrive from the network. */
import { expect, test } from 'vitest';
import { parseFrame, splitFrames } from '../public/status-stream.js';

type Parsed = { event: string; data: string; id: string | null; retry: number | null };
const split = splitFrames as (text: string) => { frames: string[]; rest: string };
const parse = parseFrame as (frame: string) => Parsed;

const STREAM =
  'retry: 1000\n\nid: abc-1\nevent: status\ndata: {"state":"ok"}\n\n: hb 1735689600000\n\n' +
  'id: abc-2\r\nevent: status\r\ndata: {"state":"alarm"}\r\n\r\n';

test('frames cut at every byte boundary parse to the same events', () => {
  for (let cut = 0; cut <= STREAM.length; cut += 1) {
    const events: Parsed[] = [];
    let rest = '';
    for (const chunk of [STREAM.slice(0, cut), STREAM.slice(cut)]) {
      const out = split(rest + chunk);
      rest = out.rest;
      events.push(...out.frames.map(parse));
    }
    expect(rest).toBe('');
    expect(events.map((e) => [e.event, e.id, e.data, e.retry])).toEqual([
      ['message', null, '', 1000],
      ['status', 'abc-1', '{"state":"ok"}', null],
      ['message', null, '', null],
      ['status', 'abc-2', '{"state":"alarm"}', null],
    ]);
  }
});

test('a retry that is not a number is ignored; data lines are joined with newlines', () => {
  expect(parse('retry: soon').retry).toBeNull();
  expect(parse('data: a\ndata: b').data).toBe('a\nb');
  expect(parse('data:x').data).toBe('x');
});
