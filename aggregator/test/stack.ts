/**
 * A whole propwatch stack in one test process: the simulated network, an
 * aggregator listening on a loopback port with a temp SQLite file, and probes
 * reporting to it over HTTP. Used by end-to-end tests of the aggregator and
 * the beacon client.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProbe, loadProbeConfig, type Probe } from '@propwatch/probe';
import { startSimNetwork, type SimNetwork, type SimNetworkOptions } from '@propwatch/sim';
import type { FastifyInstance } from 'fastify';
import { build } from '../src/app.js';
import { resolveConfig } from '../src/resolve-config.js';

export interface StackOptions {
  probes?: number;
  sim?: SimNetworkOptions;
  /** Aggregator config overrides (status thresholds, ...). */
  aggregator?: Record<string, unknown>;
  round?: { intervalMs: number; pollIntervalMs: number; maxWaitMs: number; progressMs: number };
}

export interface Stack {
  sim: SimNetwork;
  app: FastifyInstance;
  url: string;
  probes: Probe[];
  dir: string;
  /** Stops probes, aggregator and sim; safe to call twice. */
  close(): Promise<void>;
  /** Stops only the aggregator (to test a dead aggregator). */
  closeAggregator(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-stack-'));
  const sim = await startSimNetwork({ seed: 7, timeScale: 0.05, ...options.sim });
  const probeIds = Array.from({ length: options.probes ?? 2 }, (_, i) => ({
    id: `e2e-${i + 1}`,
    token: randomBytes(16).toString('hex'),
  }));
  const config = resolveConfig({
    listen: { host: '127.0.0.1', port: 0 },
    storage: { path: join(dir, 'aggregator.db') },
    probes: probeIds,
    logLevel: 'silent',
    ...options.aggregator,
  });
  const app = build({ config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const round = options.round ?? { intervalMs: 1500, pollIntervalMs: 20, maxWaitMs: 1400, progressMs: 200 };
  const stop = new AbortController();
  const probes = probeIds.map(({ id, token }) => {
    const probeDir = join(dir, id);
    const probeConfig = loadProbeConfig({
      values: {
        probe: { id, region: 'test' },
        zone: sim.zone,
        writer: {
          kind: 'cloudflare',
          cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId },
        },
        targets: sim.pops.map((p) => ({ name: p.name, address: p.address, port: p.port })),
        round,
        report: { url, token, spoolDir: join(probeDir, 'spool'), backoffBaseMs: 50, backoffMaxMs: 500 },
        stateDir: join(probeDir, 'state'),
      },
    }).config;
    return createProbe(probeConfig);
  });
  const running = probes.map((probe) => {
    probe.reporter!.start();
    return probe.runner.runForever(stop.signal);
  });
  let aggregatorClosed = false;
  let closed = false;
  const closeAggregator = async () => {
    if (aggregatorClosed) return;
    aggregatorClosed = true;
    await app.close();
  };
  return {
    sim,
    app,
    url,
    probes,
    dir,
    closeAggregator,
    async close() {
      if (closed) return;
      closed = true;
      stop.abort();
      await Promise.all(running);
      await Promise.all(probes.map((probe) => probe.close()));
      await closeAggregator();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `read` until `accept` holds, at most `timeoutMs`; returns the accepted value. */
export async function eventually<T>(
  read: () => Promise<T> | T,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
  stepMs = 50,
): Promise<T> {
  const until = performance.now() + timeoutMs;
  let last: T = await read();
  while (!accept(last)) {
    if (performance.now() > until)
      throw new Error(`condition not reached within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    last = await read();
  }
  return last;
}
