/**
 * Probe configs for the testbed: the real `rfc2136` writer pointed at a
 * primary, the given servers as POP targets (named by their NSID), loaded
 * through the probe's own config loader so defaults and validation apply.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckedProbeConfig, loadProbeConfig, type WriterSettings } from '../../src/config.js';

/** A testbed probe always writes with rfc2136; its type says so. */
export type TestbedProbeConfig = CheckedProbeConfig & { writer: Extract<WriterSettings, { kind: 'rfc2136' }> };
import type { DnsServer } from './dns-server.js';
import type { TestKey } from './zone-file.js';

export interface TestbedProbeOptions {
  probeId: string;
  zone: string;
  primary: DnsServer;
  key: Pick<TestKey, 'name' | 'algorithm' | 'secret'>;
  targets: readonly DnsServer[];
  /** Merged into `round` / `query`. */
  round?: Record<string, unknown>;
  query?: Record<string, unknown>;
}

const dirs: string[] = [];

export function testbedProbeConfig(options: TestbedProbeOptions): TestbedProbeConfig {
  const dir = mkdtempSync(join(tmpdir(), `propwatch-probe-${options.probeId}-`));
  dirs.push(dir);
  const values = {
    probe: { id: options.probeId, region: 'testbed' },
    zone: options.zone,
    ttl: 5,
    writer: {
      kind: 'rfc2136',
      rfc2136: {
        server: '127.0.0.1',
        port: options.primary.port,
        transport: 'udp',
        timeoutMs: 2000,
        retries: 1,
        tsig: { name: options.key.name, algorithm: options.key.algorithm, secret: options.key.secret },
      },
    },
    targets: options.targets.map((server) => ({ name: server.nsid, address: '127.0.0.1', port: server.port })),
    query: { timeoutMs: 500, ...options.query },
    round: { intervalMs: 60_000, pollIntervalMs: 25, maxWaitMs: 10_000, progressMs: 1000, ...options.round },
    stateDir: join(dir, 'state'),
    report: { spoolDir: join(dir, 'spool') },
  };
  const { config } = loadProbeConfig({ values, env: {} });
  if (config.writer.kind !== 'rfc2136') throw new Error('a testbed probe writes with rfc2136');
  return { ...config, writer: config.writer };
}

/** Removes the state/spool dirs of every config built so far. */
export function removeProbeDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
