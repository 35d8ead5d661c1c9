/**
 * PowerDNS Authoritative (4.7) for one test zone: pdns.conf and the rows of
 * its gsqlite3 database. A primary takes TSIG-signed DNS UPDATEs from the
 * keys marked `canUpdate` (TSIG-ALLOW-DNSUPDATE domain metadata; other keys
 * are known but have no rights), raises the SOA serial on each update (its
 * default SOA-EDIT-DNSUPDATE: YYYYMMDD01, or +1 once past it) and NOTIFYs the
 * listed secondaries right after it (NOTIFY-DNSUPDATE; without it they wait
 * for the SOA refresh).
 */
import type { SoaTimers, TestKey } from './zone-file.js';

export interface PdnsSpec {
  zone: string;
  /** `server-id`: what PowerDNS answers as NSID. */
  serverId: string;
  keys: readonly TestKey[];
  /** Secondaries on 127.0.0.1 to NOTIFY after each update. */
  notifyPorts: readonly number[];
  /** `dnsupdate=no` turns DNS UPDATE off (default on). */
  dnsupdate?: boolean;
}

export function pdnsConf(dir: string, port: number, spec: PdnsSpec): string {
  return `launch=gsqlite3
gsqlite3-database=${dir}/pdns.sqlite3
gsqlite3-dnssec=yes
local-address=127.0.0.1
local-port=${port}
socket-dir=${dir}
server-id=${spec.serverId}
dnsupdate=${spec.dnsupdate === false ? 'no' : 'yes'}
allow-dnsupdate-from=127.0.0.0/8
primary=yes
# Only the listed secondaries: by default PowerDNS also NOTIFYs the NS host, 127.0.0.1 port 53, not ours.
only-notify=
also-notify=${spec.notifyPorts.map((notifyPort) => `127.0.0.1:${notifyPort}`).join(',')}
# No security-status lookup at start (a DNS query to the internet).
security-poll-suffix=
guardian=no
daemon=no
write-pid=no
disable-syslog=yes
loglevel=6
`;
}

export interface SqlRow {
  sql: string;
  params: readonly (string | number)[];
}

/** The zone (domain id 1), its SOA, NS and glue, the TSIG keys and the zone's update metadata. */
export function pdnsRows(spec: PdnsSpec, timers: SoaTimers): SqlRow[] {
  const { zone } = spec;
  const record = (name: string, type: string, content: string): SqlRow => ({
    sql: 'INSERT INTO records (domain_id, name, type, content, ttl, prio, disabled, auth) VALUES (1, ?, ?, ?, 5, 0, 0, 1)',
    params: [name, type, content],
  });
  const meta = (kind: string, content: string): SqlRow => ({
    sql: 'INSERT INTO domainmetadata (domain_id, kind, content) VALUES (1, ?, ?)',
    params: [kind, content],
  });
  return [
    { sql: "INSERT INTO domains (id, name, type) VALUES (1, ?, 'MASTER')", params: [zone] },
    record(zone, 'SOA', `ns1.${zone} hostmaster.${zone} 1 ${timers.refreshS} ${timers.retryS} 600 5`),
    record(zone, 'NS', `ns1.${zone}`),
    record(`ns1.${zone}`, 'A', '127.0.0.1'),
    ...spec.keys.map((key) => ({
      sql: 'INSERT INTO tsigkeys (name, algorithm, secret) VALUES (?, ?, ?)',
      params: [key.name, key.algorithm, key.secret],
    })),
    ...spec.keys.filter((key) => key.canUpdate).map((key) => meta('TSIG-ALLOW-DNSUPDATE', key.name)),
    ...(spec.notifyPorts.length > 0 ? [meta('NOTIFY-DNSUPDATE', '1')] : []),
  ];
}
