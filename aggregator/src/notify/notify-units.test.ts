import { expect, test } from 'vitest';
import type { Status } from '@propwatch/shared';
import { maskUrl } from './mask-url.js';
import { transitionId } from './transition.js';
import { buildPayload } from './webhook-payload.js';

test.each([
  ['https://hooks.slack.com/services/T000/B000/secretxyz', 'https://hooks.slack.com/services/***'],
  ['https://example.com/hook?token=secret', 'https://example.com/hook/***'],
  ['http://127.0.0.1:9000/', 'http://127.0.0.1:9000'],
  ['http://user:pw@example.com/a', 'http://example.com/a'],
  ['not a url', '(invalid url)'],
])('maskUrl(%j) = %j', (url, expected) => {
  expect(maskUrl(url)).toBe(expected);
});

test('payload carries state, previous state, worst and a Slack text with the link to the dashboard', () => {
  const base: Status = {
    state: 'ok',
    since: '2025-01-01T00:00:00.000Z',
    worstMs: 1000,
    thresholdMs: 30000,
    worst: { probe: 'p1', pop: 'LHR' },
    probes: { fresh: 2, expected: 2 },
    reason: 'fine',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
  const alarm: Status = {
    ...base,
    state: 'alarm',
    worstMs: 42000,
    reason: 'LHR not serving serial 1 after 42.0 s (probes p1, p2)',
  };
  const payload = buildPayload(alarm, base, 'https://propwatch.example.com/');
  expect(payload).toMatchObject({
    state: 'alarm',
    previousState: 'ok',
    worstMs: 42000,
    thresholdMs: 30000,
    link: 'https://propwatch.example.com/',
  });
  expect(payload.text).toBe(
    ':rotating_light: propwatch ALARM (was ok): LHR not serving serial 1 after 42.0 s (probes p1, p2) <https://propwatch.example.com/|dashboard>',
  );
});

test('the Slack text shows a reason that quotes a probe as literal characters: no mentions, no lying links', () => {
  const base: Status = {
    state: 'ok',
    since: '2025-01-01T00:00:00.000Z',
    worstMs: null,
    thresholdMs: 30000,
    worst: null,
    probes: { fresh: 1, expected: 1 },
    reason: 'fine',
    updatedAt: '2025-01-01T00:00:00.000Z',
  };
  const reason =
    'canary writes failing on probe p1: 403 <!channel> A&B <https://evil.example|https://dash.cloudflare.com>';
  const payload = buildPayload({ ...base, state: 'degraded', reason }, base, 'https://propwatch.example.com');
  expect(payload.reason).toBe(reason);
  expect(payload.text).toBe(
    ':warning: propwatch DEGRADED (was ok): canary writes failing on probe p1: 403 &lt;!channel&gt; A&amp;B ' +
      '&lt;https://evil.example|https://dash.cloudflare.com&gt; <https://propwatch.example.com/|dashboard>',
  );
});

test('a transition id is the change itself: the same change gets the same id, any other change another', () => {
  const at = (state: Status['state'], since: string): Status => ({
    state,
    since,
    worstMs: null,
    thresholdMs: 30_000,
    worst: null,
    probes: { fresh: 1, expected: 1 },
    reason: 'r',
    updatedAt: since,
  });
  const ok = at('ok', '2025-01-01T00:00:00.000Z');
  const alarm = at('alarm', '2025-01-01T00:01:00.000Z');
  const id = transitionId(ok, alarm);
  expect(id).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
  // Computed again (a retry, another target, another replica deciding the same change): the same id, whatever
  // else the status says by then.
  expect(transitionId({ ...ok, reason: 'other words' }, { ...alarm, worstMs: 90_000 })).toBe(id);
  const others = [
    transitionId(alarm, at('ok', '2025-01-01T00:02:00.000Z')),
    transitionId(at('ok', '2025-01-01T00:02:00.000Z'), at('alarm', '2025-01-01T00:03:00.000Z')),
    transitionId(ok, at('degraded', '2025-01-01T00:01:00.000Z')),
    transitionId(at('stale', '2025-01-01T00:00:00.000Z'), alarm),
    transitionId(ok, at('alarm', '2025-01-01T00:01:00.001Z')),
  ];
  expect(new Set([id, ...others]).size).toBe(6);
});
