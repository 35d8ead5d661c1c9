/**
 * knot.conf for one test server: a primary taking TSIG updates through an
 * `acl` with `action: update` (and NOTIFYing listed secondaries), or a
 * secondary of a primary on loopback that accepts its NOTIFY.
 */
import type { TestKey } from './zone-file.js';

export type KnotRole =
  | { kind: 'primary'; keys: readonly TestKey[]; notifyPorts: readonly number[] }
  | { kind: 'secondary'; primaryPort: number };

export interface KnotSpec {
  zone: string;
  /** Answered as NSID (`nsid:`). */
  nsid: string;
  role: KnotRole;
}

const list = (items: readonly string[]) => `[${items.join(', ')}]`;

function primaryParts(zone: string, role: Extract<KnotRole, { kind: 'primary' }>) {
  const updaters = role.keys.filter((key) => key.canUpdate).map((key) => key.name);
  const remotes = role.notifyPorts.map((port, i) => `  - id: secondary-${i}\n    address: 127.0.0.1@${port}`);
  return {
    key: role.keys.map((key) => `  - id: ${key.name}\n    algorithm: ${key.algorithm}\n    secret: ${key.secret}`),
    remote: remotes,
    acl: [
      `  - id: probe-update\n    key: ${list(updaters)}\n    action: update`,
      `  - id: transfer\n    address: 127.0.0.1\n    action: transfer`,
    ],
    zone: `  - domain: ${zone}\n    file: ${zone}.zone\n    acl: [probe-update, transfer]${remotes.length > 0 ? `\n    notify: ${list(role.notifyPorts.map((_, i) => `secondary-${i}`))}` : ''}`,
  };
}

function secondaryParts(zone: string, role: Extract<KnotRole, { kind: 'secondary' }>) {
  return {
    key: [],
    remote: [`  - id: primary\n    address: 127.0.0.1@${role.primaryPort}`],
    acl: [`  - id: notify-from-primary\n    address: 127.0.0.1\n    action: notify`],
    // Knot 3.2 spells the primary `master:`.
    zone: `  - domain: ${zone}\n    file: ${zone}.zone\n    master: primary\n    acl: notify-from-primary`,
  };
}

export function knotConf(dir: string, port: number, spec: KnotSpec): string {
  const parts =
    spec.role.kind === 'primary' ? primaryParts(spec.zone, spec.role) : secondaryParts(spec.zone, spec.role);
  const section = (name: string, entries: readonly string[]) =>
    entries.length > 0 ? `${name}:\n${entries.join('\n')}\n` : '';
  return `server:
  rundir: "${dir}"
  listen: 127.0.0.1@${port}
  nsid: ${spec.nsid}
log:
  - target: stderr
    any: info
database:
  storage: "${dir}/db"
${section('key', parts.key)}${section('remote', parts.remote)}${section('acl', parts.acl)}template:
  - id: default
    storage: "${dir}"
zone:
${parts.zone}
`;
}
