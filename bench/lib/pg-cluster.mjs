/**
 * A throwaway PostgreSQL cluster for benchmarks (the .mjs counterpart of
 * test-support/postgres.ts, which the bench cannot import): Debian's binaries,
 * initdb in a temp dir, a loopback port, scram password for TCP, run as the
 * `postgres` user when we are root. fsync stays on: the figures are for the
 * durable configuration an operator runs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './proc.mjs';

const ROOT = '/usr/lib/postgresql';

export function postgresBinDir() {
  if (!existsSync(ROOT)) return null;
  const versions = readdirSync(ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : join(ROOT, versions[0], 'bin');
}

/** Starts a cluster; resolves with its URL (password included: the bench passes it by env) and stop(). */
export async function startPgCluster() {
  const bin = postgresBinDir();
  if (bin === null) throw new Error(`no PostgreSQL under ${ROOT} (apt-get install postgresql)`);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
      }
    : null;
  const root = mkdtempSync(join(tmpdir(), 'propwatch-bench-pg-'));
  const dataDir = join(root, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(root, 'pw');
  writeFileSync(pwfile, password);
  if (owner) {
    chownSync(root, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  chmodSync(root, 0o700);
  const as = owner ? { uid: owner.uid, gid: owner.gid, env: { ...process.env, HOME: root } } : {};
  const run = (tool, args) => {
    const result = spawnSync(join(bin, tool), args, { ...as, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')}: ${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  run(
    'initdb',
    ['-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256'].concat([
      '--pwfile',
      pwfile,
      '-E',
      'UTF8',
      '--no-instructions',
    ]),
  );
  rmSync(pwfile);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${root} -c max_connections=200`;
  run('pg_ctl', ['-D', dataDir, '-w', '-t', '60', '-l', join(root, 'server.log'), '-o', options, 'start']);
  const psql = (sql) => run('psql', ['-h', root, '-p', String(port), '-U', 'postgres', '-qAt', '-c', sql]);
  psql(`CREATE ROLE bench LOGIN PASSWORD '${password}'`);
  let databases = 0;
  return {
    port,
    /** A fresh database owned by the bench role: its URL (without the password) and the password. */
    createDatabase() {
      const name = `bench_${++databases}`;
      psql(`CREATE DATABASE ${name} OWNER bench`);
      return { url: `postgres://bench@127.0.0.1:${port}/${name}`, password };
    },
    stop() {
      run('pg_ctl', ['-D', dataDir, '-w', '-m', 'fast', 'stop']);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
