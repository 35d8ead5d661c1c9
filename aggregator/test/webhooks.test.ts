import { createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, expect, test } from 'vitest';
import type { WebhookPayload } from '../src/notify/webhook-payload.js';
import { type TestApp, buildTestApp, ingest, pop, report } from './helpers.js';

let t: TestApp | undefined;
let receiver: FastifyInstance | undefined;
afterEach(async () => {
  await t?.cleanup();
  await receiver?.close();
  t = undefined;
  receiver = undefined;
});

/** A real HTTP receiver on a loopback port 0; `respond` decides each answer by attempt number. */
async function startReceiver(
  respond: (attempt: number) => number | 'hang',
): Promise<{ url: string; received: WebhookPayload[] }> {
  const received: WebhookPayload[] = [];
  receiver = Fastify({ forceCloseConnections: true });
  let attempt = 0;
  receiver.post('/hooks/secret-path', async (request, reply) => {
    attempt += 1;
    const code = respond(attempt);
    if (code === 'hang') return new Promise(() => undefined);
    if (code < 300) received.push(request.body as WebhookPayload);
    return reply.code(code).send({ attempt });
  });
  const address = await receiver.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${address}/hooks/secret-path?token=abc`, received };
}

const slowReport = (probe: string) =>
  report(probe, {
    pops: [pop('LHR', { state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined })],
  });
const webhookConfig = (url: string, extra: Record<string, unknown> = {}) => ({
  publicUrl: 'https://propwatch.example.com',
  status: { alarmAboveMs: 30_000, clearBelowMs: 20_000 },
  webhooks: { urls: [url], retryBaseMs: 1, maxAttempts: 3, timeoutMs: 2_000, ...extra },
});

/** Status is evaluated once per event-loop turn after reports; reading it evaluates now, then wait for deliveries. */
async function settle(app: FastifyInstance): Promise<void> {
  void app.statusTracker.status;
  await app.webhooks!.idle();
}

async function metric(app: FastifyInstance, series: string): Promise<number> {
  const line = (await app.inject('/metrics')).body.split('\n').find((l) => l.startsWith(`${series} `));
  return Number(line?.split(' ')[1]);
}

test('a state change is posted with state, reason, worst, link and Slack text; a failing receiver is retried', async () => {
  const hook = await startReceiver((attempt) => (attempt === 1 ? 500 : 200));
  t = buildTestApp(webhookConfig(hook.url));
  expect((await ingest(t.app, slowReport('p1'))).statusCode).toBe(200);
  await settle(t.app);
  expect(hook.received).toHaveLength(1);
  const payload = hook.received[0]!;
  expect(payload).toMatchObject({
    state: 'alarm',
    previousState: 'stale',
    worstMs: 90_000,
    thresholdMs: 30_000,
    worst: { probe: 'p1', pop: 'LHR' },
    link: 'https://propwatch.example.com/',
  });
  expect(payload.reason).toMatch(/^LHR not serving serial \d+ after ≥ 90\.0 s \(timeout; probe p1\)$/);
  expect(payload.text).toContain('propwatch ALARM (was stale)');
  // The link is the dashboard, where a person looks next, not the JSON status.
  expect(payload.text).toMatch(/ <https:\/\/propwatch\.example\.com\/\|dashboard>$/);
  expect(await metric(t.app, 'propwatch_webhook_deliveries_total{result="delivered"}')).toBe(1);
  // No state change, no webhook.
  await ingest(t.app, slowReport('p1'));
  await settle(t.app);
  expect(hook.received).toHaveLength(1);
});

test('a receiver that is down: ingest still answers, the delivery fails after bounded retries and is counted', async () => {
  const hook = await startReceiver(() => 200);
  await receiver!.close();
  receiver = undefined;
  t = buildTestApp(webhookConfig(hook.url));
  const response = await ingest(t.app, slowReport('p1'));
  expect(response.statusCode).toBe(200);
  await settle(t.app);
  expect(await metric(t.app, 'propwatch_webhook_deliveries_total{result="failed"}')).toBe(1);
  expect(await metric(t.app, 'propwatch_webhook_deliveries_total{result="delivered"}')).toBe(0);
});

test('a receiver that hangs never blocks ingest: reports are acknowledged while the delivery is pending', async () => {
  const hook = await startReceiver(() => 'hang');
  t = buildTestApp(webhookConfig(hook.url, { maxAttempts: 1, timeoutMs: 300 }));
  expect((await ingest(t.app, slowReport('p1'))).statusCode).toBe(200);
  for (const id of ['r2', 'r3', 'r4']) {
    const next = await ingest(t.app, report('p1', { id, startedAt: new Date(t.clock.ms + 1000).toISOString() }));
    expect(next.statusCode).toBe(200);
  }
  expect(await metric(t.app, 'propwatch_webhook_deliveries_total{result="failed"}')).toBe(0);
  await settle(t.app);
  expect(await metric(t.app, 'propwatch_webhook_deliveries_total{result="failed"}')).toBe(2);
  void hook;
});

/** A receiver that keeps each request's headers and raw body (a signature is over the bytes sent). */
async function rawReceiver(respond: (attempt: number) => number) {
  const requests: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ headers: request.headers, body });
      response.writeHead(respond(requests.length)).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests, close };
}

/** A receiver's Standard Webhooks check, from the spec: HMAC-SHA256 over "id.timestamp.body" with the key bytes. */
function verifies(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`)
    .digest();
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((entry) => {
      const given = Buffer.from(entry.replace(/^v1,/, ''), 'base64');
      return entry.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

test('Standard Webhooks headers: webhook-id per transition (the same on a retry and for every target), signed with the secret', async () => {
  const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
  const signed = await rawReceiver((attempt) => (attempt === 1 ? 503 : 200));
  const unsigned = await rawReceiver(() => 200);
  try {
    t = buildTestApp({
      ...webhookConfig(signed.url),
      webhooks: {
        urls: [unsigned.url],
        targets: [{ url: signed.url, secret }],
        retryBaseMs: 1,
        maxAttempts: 3,
      },
    });
    expect((await ingest(t.app, slowReport('p1'))).statusCode).toBe(200);
    await settle(t.app);
    t.clock.advance(1_000);
    await ingest(t.app, report('p1', { id: 'r2', serial: '1735689600001' }));
    await settle(t.app);

    // Two transitions (stale -> alarm -> ok); the first reached the signed target on its second attempt.
    expect(signed.requests).toHaveLength(3);
    expect(unsigned.requests).toHaveLength(2);
    const [first, retry, second] = signed.requests.map((r) => r.headers);
    expect(first!['webhook-id']).toMatch(/^msg_[A-Za-z0-9_-]{22}$/);
    expect(retry!['webhook-id']).toBe(first!['webhook-id']);
    expect(second!['webhook-id']).not.toBe(first!['webhook-id']);
    // The id belongs to the transition: every target gets the same one.
    expect(unsigned.requests.map((r) => r.headers['webhook-id'])).toEqual([
      first!['webhook-id'],
      second!['webhook-id'],
    ]);
    // Seconds on the aggregator's clock (2025-01-01 in these tests), per attempt.
    expect(first!['webhook-timestamp']).toBe(String(Math.floor(t.clock.ms / 1000) - 1));
    expect(second!['webhook-timestamp']).toBe(String(Math.floor(t.clock.ms / 1000)));
    for (const { headers, body } of signed.requests) expect(verifies(secret, headers, body)).toBe(true);
    expect(verifies(secret, first!, signed.requests[0]!.body.replace('alarm', 'ok'))).toBe(false);
    // No secret, no signature; the other two headers all the same.
    expect(unsigned.requests.every((r) => r.headers['webhook-signature'] === undefined)).toBe(true);
    expect(unsigned.requests.every((r) => /^\d+$/.test(String(r.headers['webhook-timestamp'])))).toBe(true);
  } finally {
    await signed.close();
    await unsigned.close();
  }
});

test('a signing secret not in the Standard Webhooks format is a config error that does not show it', () => {
  const secret = 'plain-shared-secret-0123456789';
  expect(() => buildTestApp({ webhooks: { targets: [{ url: 'https://hooks.example.net/x', secret }] } })).toThrow(
    /webhooks\.targets\.0\.secret.*a secret starting with "whsec_"/s,
  );
  try {
    buildTestApp({ webhooks: { targets: [{ url: 'https://hooks.example.net/x', secret }] } });
  } catch (error) {
    expect(String(error)).not.toContain(secret);
  }
});
