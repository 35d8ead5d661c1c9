/** Shared fixtures: reports, a fake clock, temp databases, and an app built on them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PopResult, RoundReport } from '@propwatch/shared';
import type { FastifyInstance } from 'fastify';
import { build } from '../src/app.js';
import { resolveConfig } from '../src/resolve-config.js';

export const T0 = Date.parse('2025-01-01T00:00:00.000Z');

export class FakeClock {
  constructor(public ms = T0) {}
  now = () => this.ms;
  /** Fake time moves both clocks together. */
  monotonicNow = () => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const TOKENS: Record<string, string> = {
  p1: 'token-of-probe-one-0001',
  p2: 'token-of-probe-two-0002',
  p3: 'token-of-probe-three-003',
};
export const READ_TOKEN = 'read-token-for-dashboards';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-agg-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function pop(name: string, fields: Partial<PopResult> = {}): PopResult {
  return {
    pop: name,
    target: `127.0.0.1:53${name.length}`,
    state: 'propagated',
    lowerMs: 900,
    upperMs: 1100,
    estimateMs: 1000,
    queries: 3,
    failures: 0,
    ...fields,
  };
}

export function report(probe: string, round: Partial<RoundReport['round']> = {}): RoundReport {
  return {
    wireVersion: 1,
    probe: { id: probe, region: `region-${probe}`, version: '0.1.0' },
    round: {
      id: `${probe}-r1`,
      zone: 'example.com',
      record: `${probe}._propwatch.example.com`,
      serial: '1735689600000',
      startedAt: new Date(T0).toISOString(),
      state: 'complete',
      elapsedMs: 2000,
      write: { submitToAckMs: 120 },
      pops: [pop('LHR'), pop('SIN', { lowerMs: 1900, upperMs: 2100, estimateMs: 2000 })],
      ...round,
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  clock: FakeClock;
  dbPath: string;
  cleanup: () => Promise<void>;
}

export function buildTestApp(
  overrides: Record<string, unknown> = {},
  extra: { clock?: FakeClock; dbPath?: string; fetch?: typeof fetch } = {},
): TestApp {
  const temp = extra.dbPath ? null : tempDir();
  const dbPath = extra.dbPath ?? join(temp!.dir, 'propwatch.db');
  const clock = extra.clock ?? new FakeClock();
  const config = resolveConfig({
    storage: { path: dbPath },
    probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token, region: `region-${id}` })),
    ...overrides,
  });
  const app = build({ config, clock, ...(extra.fetch ? { fetch: extra.fetch } : {}) });
  return {
    app,
    clock,
    dbPath,
    cleanup: async () => {
      await app.close();
      temp?.cleanup();
    },
  };
}

export function ingest(app: FastifyInstance, body: unknown, probe = 'p1', headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/rounds',
    headers: { authorization: `Bearer ${TOKENS[probe] ?? probe}`, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
