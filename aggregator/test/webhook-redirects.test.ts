/**
 * Webhooks never follow redirects (issue 12, item 11), against a real HTTP
 * receiver: a 302 whose target answers a GET with 200 is a failed delivery,
 * not a delivered one (fetch would turn the POST into a GET); a 307 that
 * points at itself costs one request per attempt, not 21. Every failed
 * attempt is logged with its Location, masked like the webhook URL.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import type { Status } from '@propwatch/shared';
import type { Transition } from '../src/notify/transition.js';
import { WebhookNotifier } from '../src/notify/webhook-notifier.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

interface Hit {
  method: string;
  url: string;
}

async function receiver(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const hits: Hit[] = [];
  const server = createServer((request, response) => {
    hits.push({ method: request.method ?? '', url: request.url ?? '' });
    request.resume();
    request.on('end', () => answer(request, response));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

const ok: Status = {
  state: 'ok',
  since: '2025-01-01T00:00:00.000Z',
  worstMs: 1_000,
  thresholdMs: 60_000,
  worst: { probe: 'p1', pop: 'LHR' },
  probes: { fresh: 1, expected: 1 },
  reason: 'fine',
  updatedAt: '2025-01-01T00:00:00.000Z',
};
const transition: Transition = {
  id: 'msg_redirect-test',
  status: { ...ok, state: 'alarm', worstMs: 90_000, reason: 'LHR not serving' },
  previous: ok,
  alarmPops: [],
};

function notifierFor(url: string, maxAttempts: number) {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const logAt = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  const counts: string[] = [];
  const notifier = new WebhookNotifier({
    targets: [{ url, format: 'slack' }],
    publicUrl: 'https://propwatch.example.com',
    resendMs: 60_000,
    now: () => Date.parse('2025-01-01T00:00:00.000Z'),
    timeoutMs: 5_000,
    maxAttempts,
    retryBaseMs: 1,
    queueSize: 10,
    log: { info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    count: (result) => counts.push(result),
    sleep: async () => undefined,
  });
  return { notifier, lines, counts };
}

test('a 302 is a failed delivery, retried, logged with its masked Location; the redirect target is never asked', async () => {
  const hook = await receiver((request, response) => {
    if (request.url?.startsWith('/landing')) return response.writeHead(200).end('{}');
    response.writeHead(302, { location: '/landing/secret-path/more?token=abc' }).end();
  });
  const { notifier, lines, counts } = notifierFor(`${hook.base}/hooks/secret-hook-part`, 3);
  notifier.notify(transition);
  await notifier.idle();

  expect(counts).toEqual(['failed']);
  expect(hook.hits).toEqual([1, 2, 3].map(() => ({ method: 'POST', url: '/hooks/secret-hook-part' })));
  const attempts = lines.filter((l) => l.message === 'webhook attempt failed');
  expect(attempts).toHaveLength(3);
  for (const attempt of attempts)
    expect(attempt.fields.reason).toBe(`HTTP 302 redirect to ${hook.base}/landing/*** (not followed)`);
  expect(JSON.stringify(lines)).not.toMatch(/secret-path|secret-hook-part|token=abc/);
  expect(lines.at(-1)).toMatchObject({ level: 'error', message: 'webhook delivery failed; giving up' });
});

test('a 307 loop costs one request per attempt', async () => {
  const hook = await receiver((request, response) => {
    response.writeHead(307, { location: request.url ?? '/' }).end();
  });
  const { notifier, lines, counts } = notifierFor(`${hook.base}/loop`, 2);
  notifier.notify(transition);
  await notifier.idle();

  expect(counts).toEqual(['failed']);
  expect(hook.hits).toHaveLength(2);
  expect(lines.filter((l) => l.message === 'webhook attempt failed').map((l) => l.fields.reason)).toEqual([
    `HTTP 307 redirect to ${hook.base}/loop (not followed)`,
    `HTTP 307 redirect to ${hook.base}/loop (not followed)`,
  ]);
});

test('a 3xx without a Location is still a failure, and a 200 after it is delivered', async () => {
  let calls = 0;
  const hook = await receiver((_request, response) => {
    calls += 1;
    if (calls === 1) return response.writeHead(301).end();
    response.writeHead(200).end('{}');
  });
  const { notifier, lines, counts } = notifierFor(`${hook.base}/hook`, 3);
  notifier.notify(transition);
  await notifier.idle();
  expect(counts).toEqual(['delivered']);
  expect(lines.find((l) => l.message === 'webhook attempt failed')?.fields.reason).toBe(
    'HTTP 301 redirect without a Location (not followed)',
  );
});
