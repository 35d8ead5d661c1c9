// The configs npm start gives the aggregator and the probes: one token per
// probe, every POP of the sim as a target, the sim's provider API as writer.
// JSON is YAML, so the loaders read the files as they are.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const REGIONS = ['eu-west', 'us-east', 'ap-southeast', 'sa-east', 'af-south'];

export function demoProbes(count) {
  return Array.from({ length: count }, (_, i) => ({
    id: `demo-${i + 1}`,
    region: REGIONS[i % REGIONS.length],
    token: randomBytes(24).toString('hex'),
  }));
}

export function aggregatorConfig(settings, probes, dataDir) {
  const quorum = Math.min(2, settings.probes);
  return {
    listen: { host: '127.0.0.1', port: settings.port },
    publicUrl: `http://127.0.0.1:${settings.port}`,
    storage: { path: join(dataDir, 'aggregator.db'), retentionDays: 7 },
    probes: probes.map(({ id, token, region }) => ({ id, token, region })),
    analysis: { windowMs: settings.roundIntervalMs * 4 },
    status: {
      alarmAboveMs: settings.thresholdMs,
      clearBelowMs: Math.round(settings.thresholdMs * 0.75),
      quorum,
      minFreshProbes: quorum,
      staleAfterMs: settings.roundIntervalMs * 3,
    },
  };
}

export function probeConfig(settings, probe, sim, aggregatorUrl, dataDir) {
  return {
    probe: { id: probe.id, region: probe.region },
    zone: sim.zone,
    writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId } },
    targets: sim.pops.map((p) => ({ name: p.name, address: p.address, port: p.port })),
    // maxWaitMs must exceed the alarm threshold, or every POP slower than the wait alarms as a timeout (always a breach).
    round: {
      intervalMs: settings.roundIntervalMs,
      pollIntervalMs: 50,
      maxWaitMs: Math.max(settings.roundIntervalMs - 1000, Math.round(settings.thresholdMs * 1.25)),
      progressMs: 1000,
    },
    report: { url: aggregatorUrl, token: probe.token, spoolDir: join(dataDir, probe.id, 'spool') },
    stateDir: join(dataDir, probe.id, 'state'),
  };
}
