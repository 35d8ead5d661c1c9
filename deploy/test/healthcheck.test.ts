/**
 * The image's HEALTHCHECK script (scripts/docker/healthcheck.mjs, /app/healthcheck.mjs in the
 * image), run as Docker runs it, a child process, against the real servers it asks: an
 * aggregator with a SQLite file, the sim's API, the probe's own metrics registry, and the alarm
 * client's health file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, resolveConfig } from '@propwatch/aggregator';
import { startSimNetwork } from '@propwatch/sim';
import { afterAll, describe, expect, it } from 'vitest';
import { ProbeMetrics } from '../../probe/src/metrics/probe-metrics.js';
import { fileVerdict, localUrl, probeVerdict } from '../../scripts/docker/healthcheck.mjs';
import { ROOT } from './helpers/compose-file.js';

const SCRIPT = join(ROOT, 'scripts/docker/healthcheck.mjs');
const dir = mkdtempSync(join(tmpdir(), 'propwatch-healthcheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exit code and the one line the script prints. */
async function check(env: Record<string, string>, ...args: string[]): Promise<{ code: number; line: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, ...args], { env, timeout: 20_000 });
    return { code: 0, line: stdout.trim() };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, line: failed.stdout.trim() };
  }
}

const portOf = (server: Server | { address(): unknown }) => (server.address() as { port: number }).port;

describe('healthcheck.mjs aggregator', () => {
  it('is healthy while /healthz and /readyz answer, unhealthy once the aggregator is gone', async () => {
    const config = resolveConfig({
      listen: { host: '127.0.0.1', port: 0 },
      storage: { path: join(dir, 'aggregator.db') },
      probes: [{ id: 'p1', token: 'token-p1-0123456789abcdef' }],
    });
    const app = build({ config });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const env = { PROPWATCH_LISTEN__PORT: String(portOf(app.server)), PROPWATCH_LISTEN__HOST: '0.0.0.0' };
    try {
      expect(await check(env, 'aggregator')).toEqual({
        code: 0,
        line: `healthy: http://127.0.0.1:${env.PROPWATCH_LISTEN__PORT}/healthz: HTTP 200, http://127.0.0.1:${env.PROPWATCH_LISTEN__PORT}/readyz: HTTP 200`,
      });
    } finally {
      await app.close();
    }
    const after = await check(env, 'aggregator');
    expect(after.code).toBe(1);
    expect(after.line).toMatch(/^unhealthy: .*\/healthz: ECONNREFUSED, .*\/readyz: ECONNREFUSED$/);
  });
});

describe('healthcheck.mjs sim', () => {
  it("is healthy while the sim's API answers", async () => {
    const sim = await startSimNetwork({ pops: 1, timeScale: 0 });
    const env = { PROPWATCH_API_PORT: new URL(sim.apiUrl).port };
    try {
      expect(await check(env, 'sim')).toMatchObject({ code: 0, line: expect.stringMatching(/^healthy: .*\/metrics/) });
    } finally {
      await sim.close();
    }
    expect((await check(env, 'sim')).code).toBe(1);
  });
});

describe('healthcheck.mjs probe', () => {
  const metrics = new ProbeMetrics(true);
  const text = () => metrics.registry.metrics();

  it("judges the probe's real metrics: process start until the first round, then the last round", async () => {
    const started = (await metrics.registry.getSingleMetricAsString('process_start_time_seconds')).split(' ').at(-1);
    const startS = Number(started);
    expect(startS).toBeGreaterThan(1.7e9);
    expect(probeVerdict(await text(), startS + 100, 300)).toEqual({
      healthy: true,
      reason: 'no round finished yet, started 100 s ago (limit 300 s)',
    });
    expect(probeVerdict(await text(), startS + 301, 300).healthy).toBe(false);
    metrics.lastRound.set(startS + 1000);
    expect(probeVerdict(await text(), startS + 1200, 300)).toEqual({
      healthy: true,
      reason: 'last round finished 200 s ago (limit 300 s)',
    });
    expect(probeVerdict(await text(), startS + 1400, 300)).toEqual({
      healthy: false,
      reason: 'last round finished 400 s ago (limit 300 s)',
    });
    expect(probeVerdict('# a metrics page of something else\nup 1\n', startS, 300).healthy).toBe(false);
  });

  it('asks the metrics port and takes MAX_S from its argument', async () => {
    // A probe that started an hour ago and finished its last round 90 s ago.
    metrics.lastRound.set(Date.now() / 1000 - 90);
    const hourOld = (body: string) =>
      body.replace(/^process_start_time_seconds .*$/m, `process_start_time_seconds ${Date.now() / 1000 - 3600}`);
    const server = createServer((_request, response) => {
      void text().then((body) => response.writeHead(200).end(hourOld(body)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const env = { PROPWATCH_METRICS__PORT: String(portOf(server)) };
    try {
      expect(await check(env, 'probe')).toMatchObject({ code: 0 }); // default limit 300 s
      expect(await check(env, 'probe', '60')).toMatchObject({ code: 1, line: expect.stringMatching(/limit 60 s/) });
      expect(await check(env, 'probe', 'soon')).toMatchObject({ code: 1, line: expect.stringMatching(/MAX_S "soon"/) });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await check(env, 'probe')).code).toBe(1);
  });
});

describe('healthcheck.mjs alarm-pi', () => {
  it('reads the age of the health file the client rewrites after each status', async () => {
    const file = join(dir, 'alarm.health');
    const env = { PROPWATCH_HEALTH_FILE: file };
    expect(await check(env, 'alarm-pi')).toEqual({
      code: 1,
      line: 'unhealthy: no status received yet (health file missing)',
    });
    writeFileSync(file, 'ok 2026-01-01T00:00:00.000Z\n');
    expect((await check(env, 'alarm-pi')).code).toBe(0);
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    // At least 120 s: the check itself may take a second or more to start on a loaded machine.
    const stale = await check(env, 'alarm-pi');
    expect(stale).toMatchObject({
      code: 1,
      line: expect.stringMatching(/^unhealthy: last status received \d+ s ago \(limit 60 s\)$/),
    });
    expect(Number(/(\d+) s ago/.exec(stale.line)?.[1])).toBeGreaterThanOrEqual(120);
    expect((await check(env, 'alarm-pi', '300')).code).toBe(0);
    expect(await check({}, 'alarm-pi')).toMatchObject({ code: 1, line: expect.stringMatching(/not set/) });
    expect(fileVerdict(1_000, 61_000, 60)).toEqual({
      healthy: true,
      reason: 'last status received 60 s ago (limit 60 s)',
    });
  });
});

describe('healthcheck.mjs', () => {
  it('reaches wildcard listeners on loopback and a specific address where it is', () => {
    expect(localUrl(undefined, '8080', '/healthz')).toBe('http://127.0.0.1:8080/healthz');
    expect(localUrl('::', '8080', '/x')).toBe('http://127.0.0.1:8080/x');
    expect(localUrl('::1', '9100', '/metrics')).toBe('http://[::1]:9100/metrics');
    expect(localUrl('10.117.1.53', '8053', '/metrics')).toBe('http://10.117.1.53:8053/metrics');
  });

  it('an unknown component is unhealthy with the usage, never Docker-reserved exit 2', async () => {
    expect(await check({}, 'dashboard')).toEqual({
      code: 1,
      line: 'unhealthy: usage: healthcheck.mjs aggregator|sim|probe|alarm-pi [MAX_S]',
    });
  });
});
