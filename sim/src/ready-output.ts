/**
 * What propwatch-sim prints once it listens: one JSON line for another
 * process (`--json`), or a table for a person. Both say where every POP,
 * anycast address and API is, which source address each vantage uses and
 * which POP it reaches, and how to map an NSID back to its POP.
 */
import { PROPWATCH_VERSION } from '@propwatch/shared';
import type { SimNetwork } from './sim-network.js';

/** Everything another process needs to use the sim (the token included: it is printed for the caller, not logged). */
export function describeNetwork(net: SimNetwork) {
  return {
    event: 'propwatch-sim.ready',
    version: PROPWATCH_VERSION,
    zone: net.zone,
    zoneId: net.zoneId,
    apiUrl: net.apiUrl,
    adminUrl: net.adminUrl,
    apiToken: net.apiToken,
    adminToken: net.adminToken,
    seed: net.seed,
    timeScale: net.timeScale,
    pops: net.pops,
    anycast: net.anycast,
    nsidPattern: net.nsidPattern,
    vantages: net.vantages().map(({ name, sources, rttMs, jitterMs, udpLossRate, catchment }) => ({
      name,
      sources,
      rttMs,
      jitterMs,
      udpLossRate,
      catchment,
    })),
  };
}

export function renderTable(net: SimNetwork, shown: { apiToken: string; adminToken: string }): string {
  const pops = net.pops.map(
    (p) => `  ${p.name.padEnd(6)} ${p.region.padEnd(6)} ${p.address.padEnd(15)} ${String(p.port).padEnd(6)} ${p.nsid}`,
  );
  const anycast = net.anycast.map((a) => `  ${a.name.padEnd(7)} ${a.address.padEnd(15)} ${a.port}`);
  const vantages = net.vantages().map(
    (v) =>
      `  ${v.name.padEnd(11)} ${(v.sources.join(',') || '(any other)').padEnd(15)} ` +
      `${`${v.rttMs}±${v.jitterMs}`.padEnd(9)} ${v.udpLossRate === 0 ? '-' : `${v.udpLossRate * 100}%`} ` +
      Object.entries(v.catchment)
        .map(([address, pop]) => `${address}→${pop}`)
        .join(' '),
  );
  const reached = new Set(net.vantages().flatMap((v) => Object.values(v.catchment)));
  const blind = net.anycast.length > 0 ? net.pops.filter((p) => !reached.has(p.name)).map((p) => p.name) : [];
  const [first] = net.pops;
  const far = net.vantages().find((v) => v.sources.length > 0);
  return [
    `propwatch-sim ${PROPWATCH_VERSION}: zone ${net.zone} (zone id ${net.zoneId}), seed ${net.seed}, time scale ${net.timeScale}`,
    `  provider API  ${net.apiUrl}   Authorization: Bearer ${shown.apiToken}`,
    `  admin API     ${net.adminUrl}   Authorization: Bearer ${shown.adminToken}`,
    `  ${'POP'.padEnd(6)} ${'REGION'.padEnd(6)} ${'ADDRESS'.padEnd(15)} ${'PORT'.padEnd(6)} NSID (UDP and TCP on the same port)`,
    ...pops,
    ...(net.anycast.length > 0
      ? [`  ${'ANYCAST'} ${'ADDRESS'.padEnd(15)} PORT (every POP announces it)`, ...anycast]
      : []),
    `  ${'VANTAGE'.padEnd(11)} ${'SOURCE'.padEnd(15)} ${'RTT ms'.padEnd(9)} LOSS CATCHMENT`,
    ...vantages,
    ...(blind.length > 0 ? [`  blind spots (in no catchment): ${blind.join(' ')}`] : []),
    `  NSID → POP: ${net.nsidPattern}`,
    `  try: dig @${first!.address} -p ${first!.port} +norec +nsid SOA ${net.zone}`,
    ...(net.anycast[0] && far
      ? [
          `       dig -b ${far.sources[0]} @${net.anycast[0].address} -p ${net.anycast[0].port} +norec +nsid SOA ${net.zone}`,
        ]
      : []),
    '',
  ].join('\n');
}
