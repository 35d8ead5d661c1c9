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
    link: 'https://propwatch.example.com/api/v1/status',
  });
  expect(payload.reason).toMatch(/^LHR not serving serial \d+ after ≥ 90\.0 s \(timeout; probe p1\)$/);
  expect(payload.text).toContain('propwatch ALARM (was stale)');
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
