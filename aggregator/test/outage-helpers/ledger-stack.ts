/**
 * An in-process stack for outage tests: the simulated network, an aggregator
 * on a loopback port (with an injectable store), and probes whose logs feed a
 * ProbeLedger, so a test knows every report each probe saw acknowledged.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProbe, loadProbeConfig, type Probe } from '@propwatch/probe';
import { startSimNetwork, type SimNetwork } from '@propwatch/sim';
import type { FastifyInstance } from 'fastify';
import { build } from '../../src/app.js';
import { resolveConfig } from '../../src/resolve-config.js';
import type { RoundStore } from '../../src/storage/round-store.js';
import { ProbeLedger } from './probe-ledger.js';

export interface LedgerProbe {
  id: string;
  token: string;
  probe: Probe;
  ledger: ProbeLedger;
  spoolDir: string;
}

export interface LedgerStack {
  sim: SimNetwork;
  app: FastifyInstance;
  dir: string;
  dbPath: string;
  probes: LedgerProbe[];
  /** Spooled report files of every probe (rejected/ and temp files excluded). */
  spooledFiles(): number;
  /** Stops the probes' rounds (the reporters keep delivering the spool). */
  stopRounds(): Promise<void>;
  close(): Promise<void>;
}

export async function startLedgerStack(options: {
  probes: number;
  store?: (dbPath: string) => RoundStore;
  aggregator?: Record<string, unknown>;
}): Promise<LedgerStack> {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-outage-'));
  const dbPath = join(dir, 'aggregator.db');
  const sim = await startSimNetwork({ seed: 11, timeScale: 0.02 });
  const ids = Array.from({ length: options.probes }, (_, i) => ({
    id: `out-${i + 1}`,
    token: randomBytes(16).toString('hex'),
  }));
  const config = resolveConfig({
    listen: { host: '127.0.0.1', port: 0 },
    storage: { path: dbPath },
    probes: ids,
    logLevel: 'silent',
    ingest: { reportsPerSecond: 1000, burst: 1000 },
    ...options.aggregator,
  });
  const app = build({ config, ...(options.store ? { store: options.store(dbPath) } : {}) });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const probes = ids.map(({ id, token }) => {
    const ledger = new ProbeLedger();
    const spoolDir = join(dir, id, 'spool');
    const probeConfig = loadProbeConfig({
      values: {
        probe: { id, region: 'test' },
        zone: sim.zone,
        writer: {
          kind: 'cloudflare',
          cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId },
        },
        targets: sim.pops.map((p) => ({ name: p.name, address: p.address, port: p.port })),
        round: { intervalMs: 600, pollIntervalMs: 20, maxWaitMs: 500, progressMs: 150 },
        report: { url, token, spoolDir, backoffBaseMs: 50, backoffMaxMs: 300 },
        stateDir: join(dir, id, 'state'),
      },
    }).config;
    return { id, token, probe: createProbe(probeConfig, { logger: ledger.logger(id) }), ledger, spoolDir };
  });
  const stop = new AbortController();
  const running = probes.map(({ probe }) => {
    probe.reporter!.start();
    return probe.runner.runForever(stop.signal);
  });
  let closed = false;
  return {
    sim,
    app,
    dir,
    dbPath,
    probes,
    spooledFiles: () =>
      probes.reduce(
        (sum, p) => sum + readdirSync(p.spoolDir).filter((f) => f.startsWith('round-') && f.endsWith('.json')).length,
        0,
      ),
    async stopRounds() {
      stop.abort();
      await Promise.all(running);
    },
    async close() {
      if (closed) return;
      closed = true;
      stop.abort();
      await Promise.all(running);
      await Promise.all(probes.map(({ probe }) => probe.close()));
      await app.close();
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
