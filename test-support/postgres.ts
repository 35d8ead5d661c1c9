/**
 * A throwaway PostgreSQL cluster for tests: Debian's binaries (`postgresql`
 * package, installed by .ci/run), `initdb` in a temp dir, a loopback port,
 * password authentication (scram) for TCP, started and stopped here. No
 * system service is needed or touched.
 *
 * PostgreSQL refuses to run as root; when the tests run as root (CI does) the
 * server runs as the `postgres` system user the Debian package creates.
 *
 * Tests that need it: `describe.skipIf(!postgresAvailable())(...)`, and CI sets
 * CI_REQUIRE_POSTGRES=1 so a missing PostgreSQL fails instead of skipping.
 */
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The bin directory of the newest PostgreSQL installed (Debian layout), or null. */
export function postgresBinDir(): string | null {
  if (!existsSync(DEBIAN_ROOT)) return null;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(DEBIAN_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : join(DEBIAN_ROOT, versions[0], 'bin');
}

/**
 * Whether PostgreSQL tests can run here. With CI_REQUIRE_POSTGRES=1 (CI) a missing PostgreSQL throws,
 * so the tests fail instead of being skipped silently.
 */
export function postgresAvailable(): boolean {
  const found = postgresBinDir() !== null;
  if (!found && process.env.CI_REQUIRE_POSTGRES === '1') {
    throw new Error(`CI_REQUIRE_POSTGRES=1 but no PostgreSQL under ${DEBIAN_ROOT} (apt-get install postgresql)`);
  }
  return found;
}

export interface PostgresCluster {
  /** postgres://propwatch:…@127.0.0.1:PORT/propwatch (the role owns the database and may create others). */
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly port: number;
  readonly dataDir: string;
  /** A fresh empty database owned by the test role; returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL as the superuser over the local socket (psql); returns its output. */
  psql(sql: string, database?: string): string;
  /** Fast shutdown (connections are terminated); the data directory stays. */
  stop(): Promise<void>;
  /** Starts a stopped cluster again on the same port. */
  start(): Promise<void>;
  /** SIGKILL of the postmaster (crash; the next start recovers from the WAL). */
  kill(): Promise<void>;
  /** Stops the cluster and removes its directory. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function run(bin: string, args: string[], options: SpawnOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${out}`)),
    );
  });
}

/** Initialises and starts a cluster. Call `destroy()` in afterAll. */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error(`no PostgreSQL under ${DEBIAN_ROOT}`);
  const owner = postgresUser();
  const root = mkdtempSync(join(tmpdir(), 'propwatch-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = root;
  const password = randomBytes(12).toString('hex');
  const user = 'propwatch';
  const pwfile = join(root, 'pw');
  writeFileSync(pwfile, password);
  if (owner) {
    chownSync(root, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  chmodSync(root, 0o700);
  const as: SpawnOptions = owner ? { uid: owner.uid, gid: owner.gid, env: { ...process.env, HOME: root } } : {};
  // Superuser "postgres" over the socket (trust, the directory is 0700); every TCP login needs the password.
  await run(
    join(bin, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--pwfile',
      pwfile,
      '-E',
      'UTF8',
      '--no-instructions',
    ],
    as,
  );
  rmSync(pwfile);
  const port = await freePort();
  const logFile = join(root, 'server.log');
  const options = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${socketDir} -c fsync=on -c max_connections=200`;
  const pgCtl = (...args: string[]) => run(join(bin, 'pg_ctl'), ['-D', dataDir, ...args], as);
  // After a SIGKILL the old backends notice the postmaster's death within moments; until then a new postmaster
  // refuses to start (their shared memory is still attached), so starting is retried for a while.
  const start = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await pgCtl('-w', '-t', '60', '-l', logFile, '-o', options, 'start');
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  await start();

  const psql = (sql: string, database = 'postgres'): string =>
    execFileSync(
      join(bin, 'psql'),
      [
        '-h',
        socketDir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-d',
        database,
        '-v',
        'ON_ERROR_STOP=1',
        '-qAt',
        '-c',
        sql,
      ],
      {
        encoding: 'utf8',
        ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      },
    );
  psql(`CREATE ROLE ${user} LOGIN CREATEDB PASSWORD '${password}'`);
  psql(`CREATE DATABASE ${user} OWNER ${user}`);

  // A test process that ends without destroy() (a crashed worker, an aborted run) must not leave a server behind:
  // on exit, a synchronous immediate stop and the directory removed.
  const onExit = () => {
    try {
      execFileSync(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop'], {
        stdio: 'ignore',
        ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      });
    } catch {
      // Already stopped.
    }
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const urlOf = (database: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    url: urlOf(user),
    user,
    password,
    port,
    dataDir,
    psql,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name ${name} is not a plain identifier`);
      psql(`CREATE DATABASE ${name} OWNER ${user}`);
      return urlOf(name);
    },
    async stop() {
      await pgCtl('-w', '-m', 'fast', 'stop');
      stopped = true;
    },
    async start() {
      await start();
      stopped = false;
    },
    async kill() {
      await pgCtl('kill', 'KILL', postmasterPid(dataDir));
      stopped = true;
    },
    async destroy() {
      process.removeListener('exit', onExit);
      if (!stopped) await pgCtl('-w', '-m', 'immediate', 'stop').catch(() => undefined);
      stopped = true;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function postmasterPid(dataDir: string): string {
  return readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]!.trim();
}
