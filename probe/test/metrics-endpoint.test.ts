/**
 * The probe's GET /metrics as Prometheus scrapes it: served by the real endpoint after a round with a
 * propagated and a timed-out POP, it passes `promtool check metrics` (prom-client's default
 * nodejs_active_*_total gauges did not: "non-counter metrics should not have _total suffix").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROPWATCH_VERSION, type RoundReport } from '@propwatch/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { checkMetrics, promtoolAvailable } from '../../test-support/promtool.js';
import { loadProbeConfig } from '../src/config.js';
import { createProbe, type Probe } from '../src/create-probe.js';
import { serveMetrics } from '../src/metrics/serve-metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'propwatch-probe-metrics-'));
const config = loadProbeConfig({
  values: {
    probe: { id: 'p1' },
    zone: 'example.com',
    writer: { kind: 'cloudflare', cloudflare: { apiToken: 'cf-token-123456', zoneId: 'z1' } },
    targets: [{ name: 'LHR', address: '127.0.0.1', port: 5301 }],
    stateDir: join(dir, 'state'),
    report: { spoolDir: join(dir, 'spool') },
    metrics: { port: 0 },
  },
}).config;

const round: RoundReport = {
  wireVersion: 1,
  probe: { id: 'p1', region: 'test', version: PROPWATCH_VERSION },
  round: {
    id: 'r1',
    zone: 'example.com',
    record: 'p1._propwatch.example.com',
    serial: '1735689600000',
    startedAt: '2025-01-01T00:00:00.000Z',
    state: 'complete',
    elapsedMs: 30_000,
    write: { submitToAckMs: 40 },
    pops: [
      {
        pop: 'LHR',
        target: 'LHR',
        state: 'propagated',
        lowerMs: 900,
        upperMs: 1100,
        estimateMs: 1000,
        queries: 4,
        failures: 1,
      },
      { pop: 'SIN', target: 'SIN', state: 'timeout', lowerMs: 30_000, queries: 60, failures: 2 },
    ],
  },
};

let probe: Probe | undefined;
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await probe?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(): Promise<string> {
  probe = createProbe(config);
  probe.metrics.observeRound(round);
  server = await serveMetrics(probe.metrics, '127.0.0.1', 0, { info: () => undefined });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('metrics server has no address');
  const response = await fetch(`http://127.0.0.1:${address.port}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('probe /metrics', () => {
  it('passes promtool check metrics, process metrics included', async () => {
    const text = await scrape();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    // The sum over `type` of the gauge without the suffix stays.
    expect(text).toMatch(/^nodejs_active_handles\{type="/m);
    expect(text).toContain(
      `propwatch_probe_build_info{version="${PROPWATCH_VERSION}",nodejs="${process.versions.node}"} 1`,
    );
    if (!promtoolAvailable('probe /metrics promtool check')) return;
    const { status, output } = checkMetrics(text);
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
