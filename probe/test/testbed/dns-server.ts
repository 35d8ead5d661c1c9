/**
 * Starts a real BIND 9 or Knot DNS server for one zone from a spec, on a
 * loopback port chosen at run time, in a temp dir removed on stop.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { knotConf, type KnotSpec } from './knot-config.js';
import { namedConf, type NamedSpec } from './named-config.js';
import { startServerProcess, type ServerProcess } from './server-process.js';
import { type SoaTimers, zoneFile } from './zone-file.js';

export const NAMED_PATH = '/usr/sbin/named';
export const KNOTD_PATH = '/usr/sbin/knotd';

export interface DnsServer extends ServerProcess {
  software: 'bind' | 'knot' | 'powerdns';
  /** What the server answers as NSID. */
  nsid: string;
  dir: string;
  /** TXT strings at `name` as `dig`/`kdig +short` prints them, straight from this server. */
  queryTxt(name: string): string[];
}

function digTxt(tool: 'dig' | 'kdig', port: number, name: string): string[] {
  const args = tool === 'dig' ? ['+norecurse', '+time=2', '+tries=1'] : ['+norec', '+time=2', '+retry=0'];
  const result = spawnSync(tool, ['@127.0.0.1', '-p', String(port), '+short', ...args, name, 'TXT'], {
    encoding: 'utf8',
  });
  return result.stdout.split('\n').filter((line) => line.length > 0);
}

/** `port`: a port other servers' configs already name (see startServerProcess). */
export async function startNamed(
  spec: NamedSpec,
  options: { timers?: SoaTimers; port?: number } = {},
): Promise<DnsServer> {
  const dir = mkdtempSync(join(tmpdir(), `propwatch-named-${spec.serverId}-`));
  if (spec.role.kind === 'primary') writeFileSync(join(dir, `${spec.zone}.db`), zoneFile(spec.zone, options.timers));
  const server = await startServerProcess(
    {
      label: `named ${spec.serverId}`,
      dir,
      zone: spec.zone,
      prepare: (port) => {
        writeFileSync(join(dir, 'named.conf'), namedConf(dir, port, spec));
        // -g: foreground, logs to stderr, no daemonising (so no AppArmor-confined
        // /run paths and no pid file outside dir); -n 1: one worker starts faster.
        // As root, named keeps running as root without -u, which is fine here.
        return { command: NAMED_PATH, args: ['-g', '-n', '1', '-c', join(dir, 'named.conf')] };
      },
      started: (log) => /\brunning\b/.test(log),
    },
    options.port,
  );
  return {
    ...server,
    software: 'bind',
    nsid: spec.serverId,
    dir,
    queryTxt: (name) => digTxt('dig', server.port, name),
  };
}

export async function startKnot(
  spec: KnotSpec,
  options: { timers?: SoaTimers; port?: number } = {},
): Promise<DnsServer> {
  const dir = mkdtempSync(join(tmpdir(), `propwatch-knot-${spec.nsid}-`));
  // Knot does not create its journal database directory; updates fail with "not exists" without it.
  mkdirSync(join(dir, 'db'));
  if (spec.role.kind === 'primary') writeFileSync(join(dir, `${spec.zone}.zone`), zoneFile(spec.zone, options.timers));
  const server = await startServerProcess(
    {
      label: `knotd ${spec.nsid}`,
      dir,
      zone: spec.zone,
      prepare: (port) => {
        writeFileSync(join(dir, 'knot.conf'), knotConf(dir, port, spec));
        return { command: KNOTD_PATH, args: ['-c', join(dir, 'knot.conf')] };
      },
      // The answering check that follows waits for the zone itself (loaded or transferred).
      started: (log) => /server started/.test(log),
    },
    options.port,
  );
  return { ...server, software: 'knot', nsid: spec.nsid, dir, queryTxt: (name) => digTxt('kdig', server.port, name) };
}
