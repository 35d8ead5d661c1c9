/**
 * named.conf for one test server: a primary taking TSIG updates and sending
 * NOTIFY only to the ports we list, or a secondary of a primary on loopback.
 */
import type { TestKey } from './zone-file.js';

export type NamedRole =
  | {
      kind: 'primary';
      keys: readonly TestKey[];
      /** secondaries to NOTIFY (127.0.0.1) */ notifyPorts: readonly number[];
    }
  | {
      kind: 'secondary';
      primaryPort: number;
      /**
       * Lowers BIND's refresh floor (default 300 s) so a secondary that gets
       * no NOTIFY refreshes on the zone's short SOA refresh instead.
       */
      minRefreshS?: number;
    };

export interface NamedSpec {
  zone: string;
  /** Answered as NSID (`server-id`). */
  serverId: string;
  role: NamedRole;
}

function zoneClause(spec: NamedSpec): string {
  const { zone, role } = spec;
  if (role.kind === 'primary') {
    const grants = role.keys.filter((key) => key.canUpdate).map((key) => `grant "${key.name}" subdomain ${zone}. TXT;`);
    // `notify explicit`: only the also-notify list. `notify yes` would also
    // notify the NS host, 127.0.0.1 port 53, which is not ours.
    const alsoNotify = role.notifyPorts.map((port) => `127.0.0.1 port ${port};`).join(' ');
    return `zone "${zone}" {
  type primary;
  file "${zone}.db";
  notify ${role.notifyPorts.length > 0 ? 'explicit' : 'no'};
  ${role.notifyPorts.length > 0 ? `also-notify { ${alsoNotify} };` : ''}
  allow-transfer { 127.0.0.1; };
  update-policy { ${grants.join(' ')} };
};`;
  }
  const floor =
    role.minRefreshS === undefined ? '' : `min-refresh-time ${role.minRefreshS}; min-retry-time ${role.minRefreshS};`;
  return `zone "${zone}" {
  type secondary;
  file "${zone}.bk";
  primaries { 127.0.0.1 port ${role.primaryPort}; };
  notify no;
  ${floor}
};`;
}

export function namedConf(dir: string, port: number, spec: NamedSpec): string {
  const keys = spec.role.kind === 'primary' ? spec.role.keys : [];
  return `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify-delay 0;
  server-id "${spec.serverId}";
};
controls { };
${keys.map((key) => `key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };`).join('\n')}
${zoneClause(spec)}
`;
}
