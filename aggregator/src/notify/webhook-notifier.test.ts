import { expect, test, vi } from 'vitest';
import type { AlertSnapshot, PostableAlert } from './alertmanager-alerts.js';
import type { AlarmState, Status } from '@propwatch/shared';
import type { Transition } from './transition.js';
import { WebhookNotifier } from './webhook-notifier.js';
import type { WebhookPayload } from './webhook-payload.js';

const HANGING = 'https://hangs.example.net/hook/secret';
const HEALTHY = 'https://healthy.example.net/hook/secret';

let sequence = 0;
function transition(state: AlarmState, previousState: AlarmState): Transition {
  const status = (at: AlarmState): Status => ({
    state: at,
    since: '2025-01-01T00:00:00.000Z',
    worstMs: 1,
    thresholdMs: 1,
    worst: null,
    probes: { fresh: 1, expected: 1 },
    reason: 'r',
    updatedAt: '2025-01-01T00:00:00.000Z',
  });
  sequence += 1;
  return { id: `msg_t${sequence}`, status: status(state), previous: status(previousState), alarmPops: [] };
}

/** A receiver at HANGING that never answers (until released), and one at HEALTHY that answers 200 at once. */
/** The notifier posts JSON text; anything else fails the parse that follows. */
const bodyText = (init?: RequestInit): string => (typeof init?.body === 'string' ? init.body : '');

function fakeReceivers() {
  const received = new Map<string, WebhookPayload[]>([
    [HANGING, []],
    [HEALTHY, []],
  ]);
  const hanging: (() => void)[] = [];
  const fetchStub = (async (url: string | URL | Request, init?: RequestInit) => {
    const target = url instanceof Request ? url.url : url.toString();
    received.get(target)!.push(JSON.parse(bodyText(init)) as WebhookPayload);
    if (target === HEALTHY) return new Response('{}', { status: 200 });
    return new Promise<Response>((_resolve, reject) =>
      hanging.push(() => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
    );
  }) as typeof fetch;
  return { received, fetchStub, release: () => hanging.splice(0).forEach((abort) => abort()) };
}

const macrotask = () => new Promise((resolve) => setImmediate(resolve));

test('a hanging receiver does not delay the alarm to a healthy one; each URL has its own bounded queue', async () => {
  const { received, fetchStub, release } = fakeReceivers();
  const counts: string[] = [];
  const quiet = () => undefined;
  const notifier = new WebhookNotifier({
    targets: [
      { url: HANGING, format: 'slack' },
      { url: HEALTHY, format: 'slack' },
    ],
    publicUrl: 'https://propwatch.example.net',
    resendMs: 60_000,
    now: () => 0,
    timeoutMs: 60_000,
    maxAttempts: 5,
    retryBaseMs: 1_000,
    queueSize: 1,
    log: { info: quiet, warn: quiet, error: quiet },
    count: (result) => counts.push(result),
    fetch: fetchStub,
    sleep: async () => undefined,
  });
  notifier.notify(transition('alarm', 'ok'));
  await macrotask();
  // The healthy receiver has the alarm while the hanging one still holds its first attempt.
  expect(received.get(HEALTHY)!.map((p) => p.state)).toEqual(['alarm']);
  expect(received.get(HANGING)).toHaveLength(1);
  expect(counts).toEqual(['delivered']);

  // More changes while the hanging receiver is stuck: the healthy one gets each; the stuck queue keeps only the newest (queueSize 1).
  notifier.notify(transition('ok', 'alarm'));
  notifier.notify(transition('alarm', 'ok'));
  await macrotask();
  expect(received.get(HEALTHY)!.map((p) => p.state)).toEqual(['alarm', 'ok', 'alarm']);
  expect(counts).toEqual(['delivered', 'dropped', 'delivered', 'delivered']);

  notifier.close();
  release();
  await notifier.idle();
  expect(received.get(HANGING)).toHaveLength(1);
});

test('an alertmanager target gets the state at start, re-sends what fires every resendMs, and resolves on change', async () => {
  vi.useFakeTimers();
  try {
    const posts: { id: string; alerts: PostableAlert[] }[] = [];
    const fetchStub = (async (_url: string | URL | Request, init?: RequestInit) => {
      const headers = init?.headers as Record<string, string>;
      posts.push({ id: headers['webhook-id']!, alerts: JSON.parse(bodyText(init)) as PostableAlert[] });
      return new Response('', { status: 200 });
    }) as typeof fetch;
    let now = Date.parse('2025-01-01T00:00:00.000Z');
    const quiet = () => undefined;
    const notifier = new WebhookNotifier({
      targets: [{ url: 'http://alertmanager.example.net:9093/api/v2/alerts', format: 'alertmanager' }],
      publicUrl: 'https://propwatch.example.net',
      resendMs: 60_000,
      now: () => now,
      timeoutMs: 1_000,
      maxAttempts: 1,
      retryBaseMs: 1,
      queueSize: 10,
      log: { info: quiet, warn: quiet, error: quiet },
      count: () => undefined,
      fetch: fetchStub,
    });
    const alarm = transition('alarm', 'ok');
    const lhr = {
      pop: 'LHR',
      probes: ['p1', 'p2'],
      worst: {
        probe: 'p1',
        pop: 'LHR',
        target: 'LHR:53',
        roundId: 'r1',
        serial: '1',
        state: 'timeout' as const,
        kind: 'censored' as const,
        ms: 30_000,
        lowerMs: 30_000,
      },
    };
    let current: AlertSnapshot = { status: alarm.status, alarmPops: [lhr] };
    // A restored alarm reaches Alertmanager at start, without waiting for a transition.
    notifier.start(() => current, 60_000);
    await notifier.idle();
    expect(posts).toHaveLength(1);
    expect(posts[0]!.alerts.map((a) => [a.labels.pop, a.startsAt, a.endsAt])).toEqual([
      ['LHR', '2025-01-01T00:00:00.000Z', '2025-01-01T00:04:00.000Z'],
    ]);
    // A minute on, re-sent under a new message id, endsAt moved on, startsAt kept.
    now += 60_000;
    await vi.advanceTimersByTimeAsync(60_000);
    await notifier.idle();
    expect(posts).toHaveLength(2);
    expect(posts[1]!.id).not.toBe(posts[0]!.id);
    expect(posts[1]!.alerts.map((a) => [a.startsAt, a.endsAt])).toEqual([
      ['2025-01-01T00:00:00.000Z', '2025-01-01T00:05:00.000Z'],
    ]);
    // The recovery transition resolves it under the transition's own id; afterwards nothing is re-sent.
    now += 10_000;
    const recovery = transition('ok', 'alarm');
    current = { status: recovery.status, alarmPops: [] };
    notifier.notify(recovery);
    await notifier.idle();
    expect(posts[2]).toEqual({
      id: recovery.id,
      alerts: [
        expect.objectContaining({
          labels: expect.objectContaining({ pop: 'LHR' }),
          endsAt: '2025-01-01T00:01:10.000Z',
        }),
      ],
    });
    await vi.advanceTimersByTimeAsync(180_000);
    await notifier.idle();
    expect(posts).toHaveLength(3);
    notifier.close();
  } finally {
    vi.useRealTimers();
  }
});
