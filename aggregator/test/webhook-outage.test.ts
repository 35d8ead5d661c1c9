/**
 * Webhook target down or hanging, over real HTTP: deliveries are retried with
 * growing pauses and succeed once the target is back; ingest is never held up
 * by a delivery in progress.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, test } from 'vitest';
import { build } from '../src/app.js';
import { resolveConfig } from '../src/resolve-config.js';
import { pop, report, tempDir, TOKENS } from './helpers.js';
import { freePort } from './outage-helpers/processes.js';
import { eventually } from './stack.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startAggregator(
  webhooks: Record<string, unknown> | null,
  fetchImpl?: typeof fetch,
): Promise<{ app: FastifyInstance; url: string }> {
  const temp = tempDir();
  const config = resolveConfig({
    storage: { path: `${temp.dir}/aggregator.db` },
    probes: [{ id: 'p1', token: TOKENS.p1 }],
    status: { alarmAboveMs: 30_000, clearBelowMs: 20_000 },
    ingest: { reportsPerSecond: 1000, burst: 1000 },
    ...(webhooks ? { webhooks } : {}),
  });
  const app = build({ config, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  cleanups.push(async () => {
    await app.close();
    temp.cleanup();
  });
  return { app, url };
}

/** Reports that flip the status between alarm (a 90 s timeout) and ok, one state change each. */
function flipping(i: number) {
  const slow = i % 2 === 0;
  return report('p1', {
    id: `p1-flip-${i}`,
    serial: String(1_735_689_600_000 + i),
    startedAt: new Date(Date.now() + i).toISOString(),
    pops: [
      slow ? pop('LHR', { state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined }) : pop('LHR'),
    ],
  });
}

async function post(url: string, body: unknown): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/rounds`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKENS.p1}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.text();
  return { status: response.status, ms: performance.now() - started };
}

async function deliveries(app: FastifyInstance, result: string): Promise<number> {
  const line = (await app.inject('/metrics')).body
    .split('\n')
    .find((l) => l.startsWith(`propwatch_webhook_deliveries_total{result="${result}"} `));
  return Number(line?.split(' ')[1]);
}

test('a target that is down is retried with growing pauses, and the delivery succeeds once it is back', async () => {
  const port = await freePort();
  const attempts: { at: number; ok: boolean }[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    try {
      const response = await fetch(input, init);
      attempts.push({ at: performance.now(), ok: response.ok });
      return response;
    } catch (error) {
      attempts.push({ at: performance.now(), ok: false });
      throw error;
    }
  };
  const { app, url } = await startAggregator(
    { urls: [`http://127.0.0.1:${port}/hook`], retryBaseMs: 100, maxAttempts: 8, timeoutMs: 2000 },
    recordingFetch,
  );
  expect((await post(url, flipping(0))).status).toBe(200);
  await eventually(
    () => attempts.length,
    (n) => n >= 3,
    10_000,
  );
  expect(attempts.every((a) => !a.ok)).toBe(true);

  const received: unknown[] = [];
  const receiver: Server = createHttpServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  await app.webhooks!.idle();
  expect(received).toEqual([expect.objectContaining({ state: 'alarm' })]);
  expect(attempts.at(-1)!.ok).toBe(true);
  expect(attempts.filter((a) => !a.ok).length).toBeGreaterThanOrEqual(3);
  // Backoff: pause n is at least retryBaseMs × 2^(n-1) (timers never fire early by more than a millisecond).
  for (let n = 1; n < attempts.length; n++)
    expect(attempts[n]!.at - attempts[n - 1]!.at).toBeGreaterThanOrEqual(100 * 2 ** (n - 1) - 2);
  expect(await deliveries(app, 'delivered')).toBe(1);
  expect(await deliveries(app, 'failed')).toBe(0);
});

test('a blackholed target (accepts, never answers) does not hold up ingest', async () => {
  // A TCP server that accepts connections and reads requests but never answers.
  const held: Socket[] = [];
  let requestBytes = 0;
  const blackhole = createTcpServer((socket) => {
    held.push(socket);
    socket.on('data', (chunk) => (requestBytes += chunk.length));
  });
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of held) socket.destroy();
        blackhole.close(() => resolve());
      }),
  );
  const address = blackhole.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const REPORTS = 30;
  const baseline = await startAggregator(null);
  const hanging = await startAggregator({
    urls: [`http://127.0.0.1:${port}/hook`],
    timeoutMs: 60_000,
    maxAttempts: 3,
    retryBaseMs: 1000,
  });
  const timings = { none: [] as number[], hanging: [] as number[] };
  expect((await post(hanging.url, flipping(0))).status).toBe(200);
  await eventually(
    () => requestBytes,
    (n) => n > 0,
    5_000,
  );
  for (let i = 1; i <= REPORTS; i++) {
    const withHook = await post(hanging.url, flipping(i));
    const without = await post(baseline.url, flipping(i));
    expect([withHook.status, without.status]).toEqual([200, 200]);
    timings.hanging.push(withHook.ms);
    timings.none.push(without.ms);
  }
  // Every report changed the state, so deliveries queued behind the first one, which is still hanging.
  expect(held.length).toBe(1);
  expect(await deliveries(hanging.app, 'delivered')).toBe(0);
  expect(await deliveries(hanging.app, 'failed')).toBe(0);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.info(
    `ingest latency over HTTP, median of ${REPORTS} state-changing reports: no webhook ${median(timings.none).toFixed(2)} ms, webhook target hanging ${median(timings.hanging).toFixed(2)} ms`,
  );
});
