/**
 * GET /api/v1/status sends a body serialized once per evaluation (status-route.ts): it must always be the
 * current status — after a report, after a clock-driven re-evaluation (staleness), after a POP expires — and
 * be what the route's schema serializer makes of it, with the JSON content type.
 */
import { afterEach, expect, test } from 'vitest';
import { join } from 'node:path';
import { T0, type TestApp, buildTestApp, ingest, pop, report, tempDir } from './helpers.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0)) await t.cleanup();
});

function start(overrides: Record<string, unknown> = {}) {
  const t = buildTestApp({ status: { minFreshProbes: 1, quorum: 1 }, ...overrides });
  apps.push(t);
  return t;
}

async function getStatus(t: TestApp) {
  const response = await t.app.inject('/api/v1/status');
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  // The body is the status in force, field for field.
  expect(response.json()).toEqual(t.app.statusTracker.status);
  return response.body;
}

test('a report that changes the status changes the body at once; reads in between send the same body', async () => {
  const t = start();
  await t.app.ready();
  const before = await getStatus(t);
  expect(await getStatus(t)).toBe(before);
  expect((await ingest(t.app, report('p1'))).statusCode).toBe(200);
  const after = await getStatus(t);
  expect(JSON.parse(after)).toMatchObject({ state: 'ok', worst: { probe: 'p1', pop: 'SIN' }, worstMs: 2000 });
  const slower = report('p1', {
    id: 'p1-r2',
    serial: '1735689600001',
    pops: [pop('LHR', { lowerMs: 70_000, upperMs: 70_100, estimateMs: 70_050 })],
  });
  expect((await ingest(t.app, slower)).statusCode).toBe(200);
  expect(JSON.parse(await getStatus(t))).toMatchObject({ state: 'alarm', worst: { probe: 'p1', pop: 'LHR' } });
});

test('a re-evaluation driven by the clock alone (the probe falls silent) sends the new body', async () => {
  const t = start();
  await t.app.ready();
  expect((await ingest(t.app, report('p1'))).statusCode).toBe(200);
  expect(JSON.parse(await getStatus(t)).state).toBe('ok');
  t.clock.advance(t.app.aggregatorConfig.status.staleAfterMs + 1);
  // What the re-evaluation timer does every status.reevaluateMs.
  t.app.statusTracker.evaluate();
  const stale = JSON.parse(await getStatus(t));
  expect(stale).toMatchObject({ state: 'stale', probes: { fresh: 0 } });
  expect(Date.parse(stale.updatedAt)).toBe(T0 + t.app.aggregatorConfig.status.staleAfterMs + 1);
});

test('a POP that expires with retention leaves the learned coverage in the body', async () => {
  const temp = tempDir();
  // `storage` replaces the helper's whole section: the path is given again.
  const t = start({ storage: { path: join(temp.dir, 'propwatch.db'), retentionDays: 1 } });
  apps.push({ ...t, cleanup: async () => temp.cleanup() });
  await t.app.ready();
  expect((await ingest(t.app, report('p1'))).statusCode).toBe(200);
  expect(JSON.parse(await getStatus(t)).coverage).toEqual({
    basis: 'learned',
    observed: 2,
    expected: 2,
    missing: [],
  });
  // Only LHR is seen a day later: SIN is still expected (seen within retention), now missing.
  t.clock.advance(86_400_000 - 60_000);
  const later = report('p1', {
    id: 'p1-r2',
    serial: '1735689600001',
    startedAt: new Date(t.clock.now()).toISOString(),
    pops: [pop('LHR')],
  });
  expect((await ingest(t.app, later)).statusCode).toBe(200);
  expect(JSON.parse(await getStatus(t)).coverage).toMatchObject({ observed: 1, expected: 2, missing: ['SIN'] });
  // Past retention for SIN: the expiry (the prune timer's job, also run at start) drops it from the expected POPs.
  t.clock.advance(120_000);
  const gone = t.app.popRegistry.expire(t.clock.now() - 86_400_000);
  expect(gone).toEqual([{ probe: 'p1', pop: 'SIN' }]);
  t.app.statusTracker.evaluate();
  expect(JSON.parse(await getStatus(t)).coverage).toMatchObject({ observed: 1, expected: 1, missing: [] });
});
