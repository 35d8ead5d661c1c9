/**
 * Probe-supplied text is data, end to end. A probe (old, buggy or hostile)
 * reports a write error that carries terminal escapes, a Slack channel
 * mention, a link whose text lies about its target and a bidi override. The
 * aggregator's status reason is plain text, the Slack `text` of its webhook
 * shows every `<…>` of it as literal characters, and the beacon client's
 * console output and `--once` line hold no control character. The client
 * also protects its terminal on its own, from an aggregator that does not.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createLogger, runCommand, type Status } from '@propwatch/shared';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, ingest, report, type TestApp } from '../../aggregator/test/helpers.js';
import { eventually } from '../../aggregator/test/stack.js';
import type { WebhookPayload } from '../../aggregator/src/notify/webhook-payload.js';
import { startAlarmClient, type AlarmClient } from '../src/alarm-client.js';
import { loadAlarmConfig } from '../src/config.js';
import { ConsoleDriver } from '../src/drivers/console-driver.js';
import { alarmCommand } from '../src/main.js';

const HOSTILE =
  'HTTP 403 \x1b[2J\x1b]0;pwned\x07\x9b31m <!channel> see <https://evil.example|https://dash.cloudflare.com>\r\n' +
  'propwatch: all clear \u202etxet nedduh\u200b';
/** Control and format characters (ESC, BEL, CSI, CR, LF, RLO, ZWSP…): none may reach a terminal or a reason. */
const CONTROL = /[\p{Cc}\p{Cf}]/u;

let aggregator: TestApp | undefined;
let receiver: FastifyInstance | undefined;
let client: AlarmClient | undefined;
afterEach(async () => {
  await client?.stop();
  await aggregator?.cleanup();
  await receiver?.close();
  client = aggregator = receiver = undefined;
});

async function startReceiver(): Promise<{ url: string; received: WebhookPayload[] }> {
  const received: WebhookPayload[] = [];
  receiver = Fastify();
  receiver.post('/hook', async (request) => {
    received.push(request.body as WebhookPayload);
    return {};
  });
  return { url: `${await receiver.listen({ host: '127.0.0.1', port: 0 })}/hook`, received };
}

function collect(stream: PassThrough): () => string {
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

async function once(url: string): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  const out = collect(stdout);
  const code = await runCommand(alarmCommand, ['--once'], {
    env: { PROPWATCH_AGGREGATOR__URL: url, PROPWATCH_LOG_LEVEL: 'silent' },
    stdout,
    stderr: new PassThrough(),
    events: new EventEmitter(),
  });
  return { code, out: out() };
}

async function watchConsole(url: string): Promise<() => string> {
  const out = new PassThrough();
  const text = collect(out);
  const { config } = loadAlarmConfig({
    env: { PROPWATCH_AGGREGATOR__URL: url, PROPWATCH_POLL__INTERVAL_MS: '100', PROPWATCH_BEACON__LAMP_TEST: 'false' },
  });
  client = await startAlarmClient({
    config,
    logger: createLogger({ name: 'hostile-text', level: 'silent' }),
    driver: new ConsoleDriver(out),
  });
  return text;
}

describe('a hostile write error from a probe', () => {
  it('is plain text in the status, literal in Slack, and harmless on the beacon console', async () => {
    const hook = await startReceiver();
    aggregator = buildTestApp({
      publicUrl: 'https://propwatch.example.com',
      webhooks: { urls: [hook.url], retryBaseMs: 1 },
      status: { degradedAfterWriteFailures: 3 },
    });
    const { app, clock } = aggregator;
    for (let i = 1; i <= 3; i++) {
      clock.advance(1000);
      const failed = report('p1', {
        id: `p1-r${i}`,
        startedAt: new Date(clock.now()).toISOString(),
        state: 'write_failed',
        pops: [],
        write: { submitToAckMs: 40, error: HOSTILE },
      });
      expect((await ingest(app, failed)).statusCode).toBe(200);
    }

    const status = (await app.inject('/api/v1/status')).json<Status>();
    expect(status.state).toBe('degraded');
    expect(status.reason).toBe(
      'canary writes failing on probe p1: HTTP 403 \ufffd[2J\ufffd]0;pwned\ufffd\ufffd31m <!channel> see ' +
        '<https://evil.example|https://dash.cloudflare.com> propwatch: all clear \ufffdtxet nedduh\ufffd',
    );

    await app.webhooks!.idle();
    const payload = hook.received.find((p) => p.state === 'degraded');
    expect(payload?.reason).toBe(status.reason);
    // Slack reads <…> as mentions and links: the only one left is our own link to the dashboard.
    expect(payload?.text.match(/<[^>]*>/g)).toEqual(['<https://propwatch.example.com/|dashboard>']);
    expect(payload?.text).toContain(
      '&lt;!channel&gt; see &lt;https://evil.example|https://dash.cloudflare.com&gt; propwatch: all clear',
    );
    expect(payload?.text).not.toMatch(CONTROL);

    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const line = await once(url);
    expect(line.code).toBe(2);
    expect(line.out).toBe(`degraded: ${status.reason}\n`);
    const consoleText = await watchConsole(url);
    await eventually(consoleText, (text) => text.includes('state → degraded'));
    expect(consoleText()).toContain(`state → degraded: ${status.reason}\n`);
    for (const printed of consoleText().split('\n')) expect(printed).not.toMatch(CONTROL);
  });
});

describe('an aggregator that passes hostile text on (an old version, or not ours)', () => {
  it('cannot drive the terminal of the beacon client', async () => {
    receiver = Fastify();
    const hostileStatus: Status = {
      state: 'alarm',
      since: '2026-01-01T00:00:00.000Z',
      worstMs: 90_000,
      thresholdMs: 60_000,
      worst: { probe: 'p1', pop: 'LHR' },
      probes: { fresh: 1, expected: 1 },
      reason: `LHR \x1b[2J\x1b[1;1H${HOSTILE}${'x'.repeat(5000)}`,
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    receiver.get('/api/v1/status', async () => hostileStatus);
    const url = await receiver.listen({ host: '127.0.0.1', port: 0 });

    const line = await once(url);
    expect(line.code).toBe(1);
    expect(line.out).toMatch(/^alarm: LHR \ufffd\[2J\ufffd\[1;1HHTTP 403 /);
    expect(line.out.slice(0, -1)).not.toMatch(CONTROL);
    expect(line.out.length).toBeLessThan(1100);

    const consoleText = await watchConsole(url);
    await eventually(consoleText, (text) => text.includes('BEACON ON'));
    for (const printed of consoleText().split('\n')) {
      expect(printed).not.toMatch(CONTROL);
      expect(printed.length).toBeLessThan(1100);
    }
  });
});
