/**
 * A probe whose token the aggregator refuses says why in its log: the
 * aggregator's own reason (unknown token, another probe's token), not only
 * "HTTP 401". Real aggregator on a loopback port, real Reporter.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type RoundReport } from '@propwatch/shared';
import { Reporter } from '@propwatch/probe';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { build } from '../src/app.js';
import { resolveConfig } from '../src/resolve-config.js';

const dir = mkdtempSync(join(tmpdir(), 'propwatch-token-refused-'));
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  app = build({
    config: resolveConfig({
      storage: { path: join(dir, 'aggregator.db') },
      probes: [
        { id: 'p1', token: 'p1-token-0123456789' },
        { id: 'p2', token: 'p2-token-0123456789' },
      ],
      logLevel: 'silent',
    }),
  });
  url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/api/v1/rounds`;
});
afterAll(async () => app.close());

function report(): RoundReport {
  return {
    wireVersion: 1,
    probe: { id: 'p1', region: 'test', version: '0.1.0' },
    round: {
      id: 'p1-1',
      zone: 'z.test',
      record: 'p1._propwatch.z.test',
      serial: '1',
      startedAt: new Date().toISOString(),
      state: 'complete',
      elapsedMs: 100,
      write: { submitToAckMs: 1 },
      pops: [],
    },
  };
}

async function firstErrorWith(token: string): Promise<string> {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({
    name: 'probe',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) },
  });
  const reporter = new Reporter(
    {
      url,
      token,
      timeoutMs: 2000,
      backoffBaseMs: 10,
      backoffMaxMs: 20,
      spoolDir: mkdtempSync(join(dir, 'spool-')),
      maxSpoolFiles: 100,
    },
    { sleep: () => new Promise((resolve) => setTimeout(resolve, 5)), logger },
    logger,
  );
  reporter.start();
  reporter.submit(report());
  try {
    await vi.waitFor(() => expect(lines.some((line) => line.level >= 50)).toBe(true), { timeout: 10_000 });
  } finally {
    await reporter.stop();
  }
  return lines.find((line) => line.level >= 50)!.msg;
}

describe('a probe whose token is refused', () => {
  it('logs the aggregator reason for an unknown token (401)', async () => {
    expect(await firstErrorWith('not-a-known-token-000')).toBe(
      'aggregator answered HTTP 401: unknown probe token: check the probe token against the aggregator probes list',
    );
  });

  it("logs the aggregator reason for another probe's token (403)", async () => {
    expect(await firstErrorWith('p2-token-0123456789')).toBe(
      'aggregator answered HTTP 403: body.probe.id is "p1" but the token belongs to probe "p2"; a probe may only report for itself',
    );
  });
});
