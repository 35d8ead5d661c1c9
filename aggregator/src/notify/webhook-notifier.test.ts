import { expect, test } from 'vitest';
import { WebhookNotifier } from './webhook-notifier.js';
import type { WebhookPayload } from './webhook-payload.js';

const HANGING = 'https://hangs.example.net/hook/secret';
const HEALTHY = 'https://healthy.example.net/hook/secret';

function payload(state: WebhookPayload['state'], previousState: WebhookPayload['state']): WebhookPayload {
  return {
    state,
    previousState,
    since: '2025-01-01T00:00:00.000Z',
    reason: 'r',
    worstMs: 1,
    thresholdMs: 1,
    worst: null,
    link: 'l',
    text: 't',
  };
}

/** A receiver at HANGING that never answers (until released), and one at HEALTHY that answers 200 at once. */
function fakeReceivers() {
  const received = new Map<string, WebhookPayload[]>([
    [HANGING, []],
    [HEALTHY, []],
  ]);
  const hanging: (() => void)[] = [];
  const fetchStub = (async (url: string | URL | Request, init?: RequestInit) => {
    received.get(String(url))!.push(JSON.parse(String(init?.body)) as WebhookPayload);
    if (String(url) === HEALTHY) return new Response('{}', { status: 200 });
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
    urls: [HANGING, HEALTHY],
    timeoutMs: 60_000,
    maxAttempts: 5,
    retryBaseMs: 1_000,
    queueSize: 1,
    log: { info: quiet, warn: quiet, error: quiet },
    count: (result) => counts.push(result),
    fetch: fetchStub,
    sleep: async () => undefined,
  });
  notifier.enqueue(payload('alarm', 'ok'));
  await macrotask();
  // The healthy receiver has the alarm while the hanging one still holds its first attempt.
  expect(received.get(HEALTHY)!.map((p) => p.state)).toEqual(['alarm']);
  expect(received.get(HANGING)).toHaveLength(1);
  expect(counts).toEqual(['delivered']);

  // More changes while the hanging receiver is stuck: the healthy one gets each; the stuck queue keeps only the newest (queueSize 1).
  notifier.enqueue(payload('ok', 'alarm'));
  notifier.enqueue(payload('alarm', 'ok'));
  await macrotask();
  expect(received.get(HEALTHY)!.map((p) => p.state)).toEqual(['alarm', 'ok', 'alarm']);
  expect(counts).toEqual(['delivered', 'dropped', 'delivered', 'delivered']);

  notifier.close();
  release();
  await notifier.idle();
  expect(received.get(HANGING)).toHaveLength(1);
});
