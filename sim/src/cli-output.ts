/** What the sim prints on stdout when it is ready: one JSON line for other processes, or a table for a person. */
import { PROPWATCH_VERSION } from '@propwatch/shared';
import type { SimNetwork } from './network.js';

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
  };
}

export function renderTable(net: SimNetwork, shown: { apiToken: string; adminToken: string }): string {
  const rows = net.pops.map(
    (p) => `  ${p.name.padEnd(6)} ${p.region.padEnd(6)} ${p.address.padEnd(15)} ${String(p.port).padEnd(6)} ${p.nsid}`,
  );
  const [first] = net.pops;
  return [
    `propwatch-sim ${PROPWATCH_VERSION}: zone ${net.zone} (zone id ${net.zoneId}), ` +
      `seed ${net.seed}, time scale ${net.timeScale}`,
    `  provider API  ${net.apiUrl}   Authorization: Bearer ${shown.apiToken}`,
    `  admin API     ${net.adminUrl}   Authorization: Bearer ${shown.adminToken}`,
    `  ${'POP'.padEnd(6)} ${'REGION'.padEnd(6)} ${'ADDRESS'.padEnd(15)} ${'PORT'.padEnd(6)} ` +
      'NSID (UDP and TCP on the same port)',
    ...rows,
    ...(first ? [`  try: dig @${first.address} -p ${first.port} +norec +nsid SOA ${net.zone}`] : []),
    '',
  ].join('\n');
}
