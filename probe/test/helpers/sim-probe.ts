/** Builds probe configs pointed at a running sim, for integration tests. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimNetwork } from '@propwatch/sim';
import { type CheckedProbeConfig, loadProbeConfig } from '../../src/config.js';

export function probeConfigFor(
  sim: SimNetwork,
  probeId: string,
  overrides: Record<string, unknown> = {},
): CheckedProbeConfig {
  const dir = mkdtempSync(join(tmpdir(), `propwatch-probe-${probeId}-`));
  const values = {
    probe: { id: probeId, region: 'test' },
    zone: sim.zone,
    writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId } },
    targets: sim.pops.map((pop) => ({ name: pop.name, address: pop.address, port: pop.port })),
    stateDir: join(dir, 'state'),
    report: { spoolDir: join(dir, 'spool') },
    ...overrides,
  };
  return loadProbeConfig({ values }).config;
}
