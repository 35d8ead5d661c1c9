/**
 * The alarm client with the status stream, against real HTTP servers on
 * loopback and a manual clock: the stream drives the light without polls,
 * polling covers every way the stream can fail, and several URLs fail over.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@propwatch/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { type AlarmClient, startAlarmClient } from '../src/alarm-client.js';
import { loadAlarmConfig } from '../src/config.js';
import type { BeaconDriver } from '../src/drivers/driver.js';
import { ManualClock, advanceUntil, settle, until } from './manual-clock.js';
import { startTestAggregator, statusBody, type TestAggregator } from './sse-test-server.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function aggregator(): Promise<TestAggregator> {
  const agg = await startTestAggregator();
  cleanup.push(() => agg.close());
  return agg;
}

/** A loopback port with nothing listening: connections are refused. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function start(env: Record<string, string>) {
  const { config } = loadAlarmConfig({
    env: {
      PROPWATCH_BEACON__LAMP_TEST: 'false',
      PROPWATCH_BEACON__MIN_ON_MS: '0',
      PROPWATCH_POLL__INTERVAL_MS: '1000',
      PROPWATCH_STREAM__SILENCE_MS: '5000',
      PROPWATCH_AGGREGATOR__READ_TOKEN: 'read-secret',
      // Longer than any jump of the manual clock: a connection under way is never timed out by a jump that
      // happens faster than loopback I/O.
      PROPWATCH_AGGREGATOR__TIMEOUT_MS: '600000',
      ...env,
    },
  });
  const driver = { name: 'recording', on: false, set: (on: boolean) => void (driver.on = on), close: async () => {} };
  const lines: string[] = [];
  const logger = createLogger({
    name: 't',
    level: 'debug',
    destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }),
  });
  const clock = new ManualClock();
  const client: AlarmClient = await startAlarmClient({
    config,
    logger,
    driver: driver satisfies BeaconDriver,
    clock,
    random: () => 0.5,
  });
  cleanup.push(() => client.stop());
  const logged = (msg: string) => lines.filter((line) => line.includes(`"msg":"${msg}"`));
  return { client, driver, clock, lines, logged };
}

describe('the alarm client on the status stream', () => {
  it('lights on a stream event with no poll in between, and sends the read token', async () => {
    const agg = await aggregator();
    const { client, driver, logged } = await start({ PROPWATCH_AGGREGATOR__URL: agg.url });
    await until(() => logged('status stream open: polling paused').length === 1, 'the stream is open');
    await until(() => client.state === 'ok', 'state ok');
    const polls = agg.polls;
    agg.push(statusBody('alarm'));
    await until(() => driver.on, 'the light on');
    expect(client.state).toBe('alarm');
    expect(agg.polls).toBe(polls);
    expect(new Set(agg.authorizations)).toEqual(new Set(['Bearer read-secret']));
  });

  it('polls within one interval when the stream ends, and stops polling when it is back', async () => {
    const agg = await aggregator();
    const { client, driver, clock, logged } = await start({ PROPWATCH_AGGREGATOR__URL: agg.url });
    await until(() => logged('status stream open: polling paused').length === 1, 'the stream is open');
    agg.mode = 'no-stream';
    agg.status = statusBody('alarm');
    agg.endStreams();
    await until(() => logged('status stream lost: polling until it is back').length === 1, 'the loss noticed');
    // The poller starts at once: within one poll interval the light shows what the aggregator says.
    await clock.advance(1000);
    await until(() => driver.on, 'the light on from a poll');
    expect(client.state).toBe('alarm');
    const pollsWhileDown = agg.polls;
    await clock.advance(3000);
    expect(agg.polls).toBeGreaterThan(pollsWhileDown);

    agg.mode = 'ok';
    agg.status = statusBody('ok');
    await advanceUntil(clock, () => logged('status stream open: polling paused').length === 2, 'stream back', 30_000);
    await until(() => !driver.on, 'the light off');
    await settle(50); // a poll sent just before the stream came back may still be on its way
    const polls = agg.polls;
    for (let i = 0; i < 3; i++) {
      await clock.advance(4000); // under the 5 s silence bound, and a heartbeat each time
      agg.write(': hb 1\n\n');
      await settle();
    }
    expect(agg.polls).toBe(polls);
    // The reconnect said where it was: the last event id it had seen.
    expect(agg.lastEventIds.at(-1)).toMatch(/^boot1-\d+$/);
  });

  it('takes a silent stream for dead after stream.silenceMs: polls, and reconnects', async () => {
    const agg = await aggregator();
    const { clock, logged } = await start({ PROPWATCH_AGGREGATOR__URL: agg.url });
    await until(() => logged('status stream open: polling paused').length === 1, 'the stream is open');
    const polls = agg.polls;
    const streams = agg.streamRequests;
    // Heartbeats keep it alive: 4 s of silence at a time is under the 5 s bound.
    for (let i = 0; i < 3; i++) {
      await clock.advance(4000);
      agg.write(': hb 1\n\n');
      await settle();
    }
    expect(logged('status stream lost: polling until it is back')).toHaveLength(0);
    expect(agg.polls).toBe(polls);
    await clock.advance(5000);
    await until(() => logged('status stream lost: polling until it is back').length === 1, 'silence noticed');
    expect(logged('status stream lost: polling until it is back')[0]).toMatch(
      /no event or heartbeat from .* for 5000 ms/,
    );
    await until(() => agg.polls > polls, 'a poll');
    await advanceUntil(clock, () => agg.streamRequests > streams, 'a reconnect', 30_000);
  });

  it('keeps the health file fresh on heartbeats while the status does not change', async () => {
    const agg = await aggregator();
    const dir = mkdtempSync(join(tmpdir(), 'alarm-stream-health-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'health');
    const { logged } = await start({ PROPWATCH_AGGREGATOR__URL: agg.url, PROPWATCH_HEALTH_FILE: file });
    await until(() => logged('status stream open: polling paused').length === 1, 'the stream is open');
    await until(() => existsSync(file) && readFileSync(file, 'utf8').startsWith('ok '), 'the health file written');
    // No event, no poll (polling is paused): only a heartbeat can write it again. A mark while the previous write
    // is still in flight is skipped by design, so heartbeats go on until one lands.
    const polls = agg.polls;
    rmSync(file);
    for (let i = 0; i < 50 && !existsSync(file); i++) {
      agg.write(': hb 1\n\n');
      await settle(50);
    }
    await until(() => existsSync(file) && readFileSync(file, 'utf8').startsWith('ok '), 'rewritten on a heartbeat');
    expect(agg.polls).toBe(polls);
    expect(readFileSync(file, 'utf8')).toMatch(/^ok \d{4}-/);
  });

  it('does not send back an event id that is not a short token, and still reconnects', async () => {
    const agg = await aggregator();
    const { clock, logged } = await start({ PROPWATCH_AGGREGATOR__URL: agg.url });
    await until(() => logged('status stream open: polling paused').length === 1, 'the stream is open');
    agg.write(`id: b\u00e9-${'9'.repeat(300)}\nevent: status\ndata: ${JSON.stringify(statusBody('ok'))}\n\n`);
    await settle(20);
    agg.endStreams();
    await advanceUntil(clock, () => logged('status stream open: polling paused').length === 2, 'reopened', 30_000);
    expect(agg.lastEventIds).toEqual([undefined, undefined]);
  });

  it.each([
    ['a body that is not a Status', 'event: status\ndata: {"state":"fine"}\n\n', /body is not a Status/],
    ['data that is not JSON', 'event: status\ndata: <html>\n\n', /invalid JSON/],
    [
      'an event over 1 MiB',
      `event: status\ndata: ${'x'.repeat((1 << 20) + 10)}\n\n`,
      /larger than 1048576|longer than 1048576/,
    ],
  ])('drops the connection on %s, keeps the light, logs why', async (_what, text, why) => {
    const agg = await aggregator();
    const { client, driver, logged } = await start({ PROPWATCH_AGGREGATOR__URL: agg.url });
    await until(() => logged('status stream open: polling paused').length === 1, 'the stream is open');
    await until(() => client.state === 'ok', 'state ok');
    agg.write(text);
    await until(() => agg.streams.size === 0, 'the connection dropped');
    const lost = logged('status stream lost: polling until it is back');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatch(why);
    expect(client.state).toBe('ok');
    expect(driver.on).toBe(false);
  });
});

describe('several aggregator URLs', () => {
  it('moves past a refused URL and a 503 replica, for the poll and the stream', async () => {
    const down = await aggregator();
    down.mode = '503';
    const good = await aggregator();
    good.status = statusBody('alarm');
    const urls = [await refusedUrl(), down.url, good.url];
    const { client, driver, clock, logged } = await start({ PROPWATCH_AGGREGATOR__URLS: urls.join(',') });
    await until(() => driver.on, 'the light on from the third URL');
    expect(client.state).toBe('alarm');
    await advanceUntil(clock, () => logged('status stream open: polling paused').length === 1, 'the stream', 30_000);
    expect(good.streamRequests).toBe(1);
    const failovers = logged('aggregator failed: trying the next URL');
    expect(failovers[0]).toMatch(/ECONNREFUSED/);
    expect(failovers[1]).toMatch(/HTTP 503 .*replica down/);
  });

  it('does not move on for a refused read token: every replica would refuse it', async () => {
    const strict = await aggregator();
    strict.mode = '401';
    const other = await aggregator();
    const { client, clock, logged } = await start({ PROPWATCH_AGGREGATOR__URLS: `${strict.url},${other.url}` });
    await advanceUntil(clock, () => client.state === 'unreachable', 'unreachable', 60_000);
    expect(other.polls + other.streamRequests).toBe(0);
    expect(logged('aggregator failed: trying the next URL')).toHaveLength(0);
    expect(logged('status stream not open: polling')[0]).toMatch(/HTTP 401 .*wrong read token/);
  });
});
