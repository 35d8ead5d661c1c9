/**
 * Real Knot DNS servers inside the anycast test's namespaces: a primary that
 * takes the probe's TSIG-signed RFC 2136 updates and sends no NOTIFY, and
 * secondaries that serve the zone on the anycast address (each with its own
 * NSID) and transfer a new serial only when the test says so
 * (`knotc -b zone-refresh`): their moment of serving is then known to lie
 * within that command's run. The SOA refresh is an hour, so no secondary
 * refreshes by itself during the test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KNOTD_PATH } from '../testbed/dns-server.js';
import { type TestKey, zoneFile } from '../testbed/zone-file.js';
import { removeOnExit } from './netns.js';

export type KnotNetnsRole =
  { kind: 'primary'; key: TestKey; updateFrom: string } | { kind: 'secondary'; primary: string };

export interface KnotNetnsSpec {
  namespace: string;
  zone: string;
  nsid: string;
  /** Addresses it answers on, port 53 (its namespace's own). */
  listen: readonly string[];
  role: KnotNetnsRole;
}

export interface KnotInNetns {
  nsid: string;
  /** Everything knotd has logged so far. */
  log(): string;
  /** Transfers the primary's current serial now; returns once the transfer is done (secondaries). */
  refresh(): void;
  stop(): Promise<void>;
}

export function knotNetnsConf(dir: string, spec: KnotNetnsSpec): string {
  const { zone, role } = spec;
  const listen = `[${spec.listen.map((address) => `${address}@53`).join(', ')}]`;
  const parts =
    role.kind === 'primary'
      ? `key:
  - id: ${role.key.name}
    algorithm: ${role.key.algorithm}
    secret: ${role.key.secret}
acl:
  - id: probe-update
    address: ${role.updateFrom}
    key: ${role.key.name}
    action: update
  - id: transfer
    address: 10.53.0.0/16
    action: transfer
zone:
  - domain: ${zone}
    file: ${zone}.zone
    acl: [probe-update, transfer]
`
      : `remote:
  - id: primary
    address: ${role.primary}@53
zone:
  - domain: ${zone}
    file: ${zone}.zone
    master: primary
`;
  return `server:
  rundir: "${dir}"
  listen: ${listen}
  nsid: ${spec.nsid}
control:
  listen: "${dir}/knot.sock"
log:
  - target: stderr
    any: info
database:
  storage: "${dir}/db"
template:
  - id: default
    storage: "${dir}"
${parts}`;
}

/** Starts knotd inside its namespace; resolves once it answers SOA for the zone with AA on `listen[0]`. */
export async function startKnotInNetns(
  spec: KnotNetnsSpec,
  askFrom: (address: string) => string,
): Promise<KnotInNetns> {
  const dir = mkdtempSync(join(tmpdir(), `propwatch-netns-${spec.nsid}-`));
  removeOnExit(dir);
  mkdirSync(join(dir, 'db'));
  if (spec.role.kind === 'primary')
    writeFileSync(join(dir, `${spec.zone}.zone`), zoneFile(spec.zone, { refreshS: 3600, retryS: 600 }));
  writeFileSync(join(dir, 'knot.conf'), knotNetnsConf(dir, spec));
  const child: ChildProcess = spawn('ip', ['netns', 'exec', spec.namespace, KNOTD_PATH, '-c', join(dir, 'knot.conf')], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`knotd ${spec.nsid} exited (${child.exitCode ?? child.signalCode}):\n${log}`);
    if (/server started/.test(log) && answersSoa(askFrom(spec.listen[0]!))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`knotd ${spec.nsid} did not answer SOA for ${spec.zone} within 20 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    nsid: spec.nsid,
    log: () => log,
    refresh() {
      const result = spawnSync('knotc', ['-s', join(dir, 'knot.sock'), '-b', 'zone-refresh', spec.zone], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      if (result.error || result.status !== 0)
        throw new Error(`knotc zone-refresh on ${spec.nsid} failed: ${result.error?.message ?? result.stderr}`);
    },
    stop,
  };
}

/** kdig's report of an authoritative NOERROR answer (a secondary before its first transfer answers SERVFAIL). */
function answersSoa(kdigOutput: string): boolean {
  return /status: NOERROR/.test(kdigOutput) && /;; Flags: qr aa\b/.test(kdigOutput);
}
