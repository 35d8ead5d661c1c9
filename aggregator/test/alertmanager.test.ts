/**
 * The `alertmanager` webhook format against a real Alertmanager (Debian prometheus-alertmanager): an alarm on
 * LHR reaches it as PropwatchAlarm{pop="LHR", severity="critical"} (active, then notified to its receiver as
 * firing), a silence on pop=LHR suppresses it like any Prometheus alert, and the recovery resolves it
 * (gone from /api/v2/alerts, notified as resolved).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock, type TestApp, buildTestApp, ingest, pop, report } from './helpers.js';
import {
  type RunningAlertmanager,
  alertmanagerAvailable,
  startAlertmanager,
} from './alertmanager/alertmanager-process.js';

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[] };
}
/** What Alertmanager's webhook_config posts to its receiver. */
interface Notification {
  status: 'firing' | 'resolved';
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string> }[];
}

const available = alertmanagerAvailable('aggregator/test/alertmanager.test.ts');

/** Polls until `check` returns a value (not undefined), at most 20 s: Alertmanager works on its own timers. */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  log: () => Promise<string>,
): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}; ${await log()}`);
}

describe.skipIf(!available)('alertmanager webhook format, against a real Alertmanager', () => {
  let alertmanager: RunningAlertmanager;
  let receiver: FastifyInstance;
  const notifications: Notification[] = [];
  let t: TestApp;

  beforeAll(async () => {
    receiver = Fastify();
    receiver.post('/am-receiver', async (request) => {
      notifications.push(request.body as Notification);
      return {};
    });
    const receiverUrl = await receiver.listen({ host: '127.0.0.1', port: 0 });
    alertmanager = await startAlertmanager(`${receiverUrl}/am-receiver`);
    // Alertmanager runs on the wall clock, and the aggregator must too: an alert dated in 2025 would be resolved
    // on arrival, and a resolution dated in Alertmanager's future is ignored (it keeps the later endsAt it had).
    const wallClock = new FakeClock();
    wallClock.now = () => Date.now();
    t = buildTestApp(
      {
        publicUrl: 'https://propwatch.example.net',
        probes: [{ id: 'p1', token: 'token-of-probe-one-0001' }],
        status: { alarmAboveMs: 30_000, clearBelowMs: 20_000 },
        webhooks: {
          targets: [{ url: `${alertmanager.url}/api/v2/alerts`, format: 'alertmanager', labels: { network: 'test' } }],
          retryBaseMs: 10,
        },
      },
      { clock: wallClock },
    );
  });
  afterAll(async () => {
    await t?.cleanup();
    await alertmanager?.stop();
    await receiver?.close();
  });

  const alerts = async () => (await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json()) as GettableAlert[];
  /** What Alertmanager holds and printed, and the aggregator's state, for a failure message. */
  const state = async () =>
    `alerts: ${JSON.stringify(await alerts())}\nnotifications: ${JSON.stringify(notifications)}\n` +
    `aggregator: ${JSON.stringify(t.app.statusTracker.status)}\nalertmanager said:\n${alertmanager.log()}`;
  const lhrAlarm = async () =>
    (await alerts()).find((a) => a.labels.alertname === 'PropwatchAlarm' && a.labels.pop === 'LHR');

  it('fires PropwatchAlarm{pop} on the alarm, honours a silence, and resolves it on recovery', async () => {
    const serial = Date.now();
    const timeout = pop('LHR', { state: 'timeout', lowerMs: 60_000, upperMs: undefined, estimateMs: undefined });
    const startedAt = new Date(t.clock.now()).toISOString();
    await ingest(
      t.app,
      report('p1', { id: 'r1', serial: String(serial), startedAt, elapsedMs: 60_000, pops: [timeout, pop('SIN')] }),
    );
    expect(t.app.statusTracker.status.state).toBe('alarm');

    const firing = await eventually('PropwatchAlarm{pop="LHR"} active', lhrAlarm, state);
    expect(firing.labels).toEqual({ alertname: 'PropwatchAlarm', pop: 'LHR', severity: 'critical', network: 'test' });
    expect(firing.status.state).toBe('active');
    expect(firing.generatorURL).toBe('https://propwatch.example.net/');
    expect(firing.annotations.probes).toBe('p1');
    expect(firing.annotations.description).toContain(`LHR not serving serial ${serial}`);
    expect(firing.annotations.runbook_url).toMatch(/deploy\/README\.md#propwatchalarm$/);
    // Still firing well after Alertmanager's resolve_timeout would have passed without an endsAt.
    expect(Date.parse(firing.endsAt)).toBeGreaterThan(Date.now() + 60_000);
    await eventually(
      'a firing notification',
      async () => notifications.find((n) => n.status === 'firing' && n.alerts.some((a) => a.labels.pop === 'LHR')),
      state,
    );

    // An operator's silence on the POP applies to propwatch's alert as to any other.
    const silence = await fetch(`${alertmanager.url}/api/v2/silences`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: [{ name: 'pop', value: 'LHR', isRegex: false, isEqual: true }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: 'propwatch test',
        comment: 'maintenance on LHR',
      }),
    });
    expect(silence.status).toBe(200);
    await eventually(
      'the alert suppressed',
      async () => ((await lhrAlarm())?.status.state === 'suppressed' ? true : undefined),
      state,
    );

    // Recovery: the POP serves again, the state clears, the alert resolves.
    await ingest(
      t.app,
      report('p1', {
        id: 'r2',
        serial: String(serial + 1),
        startedAt: new Date(t.clock.now()).toISOString(),
        pops: [pop('LHR'), pop('SIN')],
      }),
    );
    expect(t.app.statusTracker.status.state).toBe('ok');
    await eventually(
      'PropwatchAlarm{pop="LHR"} resolved',
      async () => ((await lhrAlarm()) === undefined ? true : undefined),
      state,
    );
  });

  it('notifies its receiver of the resolution (a resolved alert it had notified as firing)', async () => {
    // The silence holds back notifications for LHR from here on, so resolve a second alarm on another POP.
    const serial = Date.now() + 10;
    const startedAt = new Date(t.clock.now()).toISOString();
    const nrt = pop('NRT', { state: 'timeout', lowerMs: 60_000, upperMs: undefined, estimateMs: undefined });
    await ingest(t.app, report('p1', { id: 'r3', serial: String(serial), startedAt, elapsedMs: 60_000, pops: [nrt] }));
    await eventually(
      'a firing notification for NRT',
      async () => notifications.find((n) => n.status === 'firing' && n.alerts.some((a) => a.labels.pop === 'NRT')),
      state,
    );
    await ingest(
      t.app,
      report('p1', {
        id: 'r4',
        serial: String(serial + 1),
        startedAt: new Date(t.clock.now()).toISOString(),
        pops: [pop('NRT')],
      }),
    );
    const resolved = await eventually(
      'a resolved notification for NRT',
      async () => notifications.find((n) => n.alerts.some((a) => a.labels.pop === 'NRT' && a.status === 'resolved')),
      state,
    );
    expect(resolved.alerts.find((a) => a.labels.pop === 'NRT')!.labels).toMatchObject({
      alertname: 'PropwatchAlarm',
      severity: 'critical',
    });
  });
});
