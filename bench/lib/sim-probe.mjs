/** A probe (public API of @propwatch/probe) pointed at a sim, with its state in a temp dir. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProbe, loadProbeConfig } from '@propwatch/probe';

export function probeForSim(sim, probeId, { round, report, targets, query, popFromNsid } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `propwatch-bench-${probeId}-`));
  const values = {
    probe: { id: probeId, region: 'bench' },
    zone: sim.zone,
    writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId } },
    targets: targets ?? sim.pops.map((pop) => ({ name: pop.name, address: pop.address, port: pop.port })),
    stateDir: join(dir, 'state'),
    report: { spoolDir: join(dir, 'spool'), ...report },
    ...(round ? { round } : {}),
    ...(query ? { query } : {}),
    ...(popFromNsid ? { popFromNsid } : {}),
  };
  return { probe: createProbe(loadProbeConfig({ values }).config), dir };
}
