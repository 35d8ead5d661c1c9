/**
 * Issue 12 item 1: the aggregator knows each probe's wait (round.maxWaitMs)
 * and says when it cannot exceed status.alarmAboveMs: in GET /api/v1/probes
 * (`warnings`, in the OpenAPI schema too) and in its log, once per probe and
 * wait — at start for probes in storage, else on the first report.
 */
import { join } from 'node:path';
import { createLogger } from '@propwatch/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build } from '../src/app.js';
import { resolveConfig } from '../src/resolve-config.js';
import { FakeClock, T0, TOKENS, ingest, report, tempDir } from './helpers.js';

let temp: ReturnType<typeof tempDir>;
beforeEach(() => {
  temp = tempDir();
});
afterEach(() => temp.cleanup());

const WARNING = (wait: number) => ({
  code: 'max_wait_not_above_threshold',
  message:
    `the probe waits at most ${wait} ms for a POP (round.maxWaitMs), not more than status.alarmAboveMs (60000 ms): ` +
    `a POP slower than ${wait} ms is reported as a timeout and raises the alarm, even if it would serve within the ` +
    "threshold; set the probe's round.maxWaitMs above 60000",
});

function app(dbPath = join(temp.dir, 'wait.db'), clock = new FakeClock()) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const config = resolveConfig({
    storage: { path: dbPath },
    probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
    status: { alarmAboveMs: 60_000, clearBelowMs: 30_000 },
  });
  const instance = build({ config, clock, logger });
  const waitWarnings = () => lines.filter((l) => l.level === 40 && l.maxWaitMs !== undefined);
  return { app: instance, waitWarnings };
}

const withWait = (probe: string, maxWaitMs: number | undefined, n = 1) =>
  report(probe, {
    id: `${probe}-r${n}`,
    serial: String(1_735_689_600_000 + n),
    startedAt: new Date(T0 + n).toISOString(),
    ...(maxWaitMs === undefined ? {} : { maxWaitMs }),
  });

describe('a probe whose wait cannot exceed the threshold', () => {
  it('GET /api/v1/probes shows maxWaitMs and a warning for a wait below or equal to alarmAboveMs', async () => {
    const { app: a } = app();
    expect((await ingest(a, withWait('p1', 30_000), 'p1')).statusCode).toBe(200);
    expect((await ingest(a, withWait('p2', 60_000), 'p2')).statusCode).toBe(200);
    expect((await ingest(a, withWait('p3', 90_000), 'p3')).statusCode).toBe(200);
    const probes = (await a.inject('/api/v1/probes')).json<{ probes: Record<string, unknown>[] }>().probes;
    expect(probes.map((p) => [p.id, p.maxWaitMs, p.warnings])).toEqual([
      ['p1', 30_000, [WARNING(30_000)]],
      ['p2', 60_000, [WARNING(60_000)]],
      ['p3', 90_000, []],
    ]);
    await a.close();
  });

  it('a probe that does not report its wait (older version) has no warning; the field is null', async () => {
    const { app: a, waitWarnings } = app();
    expect((await ingest(a, withWait('p1', undefined), 'p1')).statusCode).toBe(200);
    const [p1] = (await a.inject('/api/v1/probes')).json<{ probes: Record<string, unknown>[] }>().probes;
    expect(p1).toMatchObject({ id: 'p1', maxWaitMs: null, warnings: [] });
    expect(waitWarnings()).toEqual([]);
    await a.close();
  });

  it('is logged on its first report, not again for the same wait, again for a new one; a replayed older round does not count', async () => {
    const { app: a, waitWarnings } = app();
    await ingest(a, withWait('p1', 30_000, 1), 'p1');
    await ingest(a, withWait('p1', 30_000, 2), 'p1');
    expect(waitWarnings()).toEqual([
      expect.objectContaining({ probe: 'p1', maxWaitMs: 30_000, alarmAboveMs: 60_000, msg: WARNING(30_000).message }),
    ]);
    await ingest(a, withWait('p1', 90_000, 3), 'p1');
    // Round 0 predates the probe's config change: it is stored, but its wait is not the one in force.
    await ingest(a, withWait('p1', 20_000, 0), 'p1');
    expect(waitWarnings()).toHaveLength(1);
    await ingest(a, withWait('p1', 45_000, 4), 'p1');
    expect(waitWarnings().map((l) => l.maxWaitMs)).toEqual([30_000, 45_000]);
    const [p1] = (await a.inject('/api/v1/probes')).json<{ probes: Record<string, unknown>[] }>().probes;
    expect(p1).toMatchObject({ maxWaitMs: 45_000, warnings: [WARNING(45_000)] });
    await a.close();
  });

  it('is logged at start for a probe restored from storage, before it reports again', async () => {
    const dbPath = join(temp.dir, 'restart.db');
    const first = app(dbPath);
    await ingest(first.app, withWait('p1', 30_000), 'p1');
    await first.app.close();
    const second = app(dbPath, new FakeClock(T0 + 60_000));
    await second.app.ready();
    expect(second.waitWarnings()).toEqual([
      expect.objectContaining({ probe: 'p1', maxWaitMs: 30_000, msg: WARNING(30_000).message }),
    ]);
    await second.app.close();
  });

  it('the OpenAPI document describes maxWaitMs and warnings of GET /api/v1/probes', async () => {
    const { app: a } = app();
    await a.ready();
    const doc = (await a.inject('/docs/json')).json<{
      paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }>;
      components: { schemas: Record<string, unknown> };
    }>();
    // The answer is the named schema Probes (components/schemas).
    expect(doc.paths['/api/v1/probes']!.get.responses['200']!.content['application/json']!.schema).toEqual({
      $ref: '#/components/schemas/Probes',
    });
    const schema = JSON.stringify(doc.components.schemas.Probes);
    expect(schema).toContain('"warnings"');
    expect(schema).toContain('max_wait_not_above_threshold');
    expect(schema).toContain('"maxWaitMs"');
    await a.close();
  });
});
