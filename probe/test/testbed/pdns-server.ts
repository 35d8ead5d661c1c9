/**
 * Starts a real PowerDNS Authoritative server (gsqlite3 backend) for one
 * zone, on a loopback port chosen at run time, in a temp dir removed on stop;
 * no system service, no config outside the dir.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { DnsServer } from './dns-server.js';
import { pdnsConf, pdnsRows, type PdnsSpec } from './pdns-config.js';
import { startServerProcess } from './server-process.js';
import { DEFAULT_SOA_TIMERS, type SoaTimers } from './zone-file.js';

export const PDNS_PATH = '/usr/sbin/pdns_server';
/** Shipped by pdns-backend-sqlite3; the copy under /usr/share/doc may be filtered out of minimal images. */
export const PDNS_SCHEMAS = [
  '/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql',
  '/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql',
];

export function pdnsSchemaFile(): string | undefined {
  return PDNS_SCHEMAS.find((file) => existsSync(file));
}

function createDatabase(file: string, spec: PdnsSpec, timers: SoaTimers): void {
  const schema = pdnsSchemaFile();
  if (!schema)
    throw new Error(`no PowerDNS sqlite3 schema at ${PDNS_SCHEMAS.join(' or ')} (install pdns-backend-sqlite3)`);
  rmSync(file, { force: true });
  const db = new Database(file);
  try {
    db.exec(readFileSync(schema, 'utf8'));
    db.transaction(() => {
      for (const row of pdnsRows(spec, timers)) db.prepare(row.sql).run(...row.params);
    })();
  } finally {
    db.close();
  }
}

function digTxt(port: number, name: string): string[] {
  const result = spawnSync(
    'dig',
    ['@127.0.0.1', '-p', String(port), '+short', '+norecurse', '+time=2', '+tries=1', name, 'TXT'],
    {
      encoding: 'utf8',
    },
  );
  return result.stdout.split('\n').filter((line) => line.length > 0);
}

/** `port`: a port other servers' configs already name (see startServerProcess). */
export async function startPdns(
  spec: PdnsSpec,
  options: { timers?: SoaTimers; port?: number } = {},
): Promise<DnsServer> {
  const dir = mkdtempSync(join(tmpdir(), `propwatch-pdns-${spec.serverId}-`));
  const server = await startServerProcess(
    {
      label: `pdns_server ${spec.serverId}`,
      dir,
      zone: spec.zone,
      prepare: (port) => {
        // A fresh database per attempt: a retried launch must not see the last one's updates.
        createDatabase(join(dir, 'pdns.sqlite3'), spec, options.timers ?? DEFAULT_SOA_TIMERS);
        writeFileSync(join(dir, 'pdns.conf'), pdnsConf(dir, port, spec));
        return { command: PDNS_PATH, args: [`--config-dir=${dir}`] };
      },
      started: (log) => /ready to distribute questions/.test(log),
    },
    options.port,
  );
  return { ...server, software: 'powerdns', nsid: spec.serverId, dir, queryTxt: (name) => digTxt(server.port, name) };
}
