// The configs npm start gives the aggregator and the probes: one token per
// probe, the sim's provider API as writer, and as targets either the anycast
// addresses ns1/ns2 (default: each probe sits in one vantage, bound to its
// source address, and names POPs by NSID) or, with --unicast, every POP's
// own address. JSON is YAML, so the loaders read the files as they are.
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

/** One probe per vantage, named after it, its sockets bound to the vantage's source address. */
export function anycastProbes(vantages) {
  return vantages.map((v) => ({
    id: v.name,
    region: v.name,
    sourceAddress: v.sources[0],
    token: randomBytes(24).toString('hex'),
  }));
}

/**
 * Quorum 2, so one lying probe cannot page about a POP two probes see; under
 * anycast a POP is usually seen by one probe, and `singleObserverRounds: 1`
 * lets that probe alarm as soon as its timeout is final, if its other POPs
 * are healthy (aggregator/README.md, Quorum under anycast). `expectedPops`
 * makes coverage name the blind spots.
 */
export function aggregatorConfig(settings, probes, dataDir, popNames) {
  const quorum = Math.min(2, probes.length);
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
      ...(settings.unicast ? {} : { singleObserverRounds: 1 }),
    },
    ...(settings.unicast ? {} : { expectedPops: popNames }),
  };
}

export function probeConfig(settings, probe, sim, aggregatorUrl, dataDir) {
  return {
    probe: { id: probe.id, region: probe.region },
    zone: sim.zone,
    writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId } },
    ...(settings.unicast
      ? { targets: sim.pops.map((p) => ({ name: p.name, address: p.address, port: p.port })) }
      : {
          targets: sim.anycast.map((a) => ({ name: a.name, address: a.address, port: a.port, kind: 'anycast' })),
          popFromNsid: { pattern: sim.nsidPattern },
          query: { sourceAddress: probe.sourceAddress },
        }),
    // maxWaitMs must exceed the alarm threshold, or every POP slower than the wait alarms as a timeout (always a breach).
    round: {
      intervalMs: settings.roundIntervalMs,
      pollIntervalMs: 50,
      maxWaitMs: Math.max(settings.roundIntervalMs - 1000, Math.round(settings.thresholdMs * 1.25)),
      progressMs: 250,
    },
    report: { url: aggregatorUrl, token: probe.token, spoolDir: join(dataDir, probe.id, 'spool') },
    stateDir: join(dataDir, probe.id, 'state'),
  };
}
