/**
 * Runs propwatch components as the separate processes they are in production
 * (`node <pkg>/dist/cli.js`), for the crash and soak tests: start, read the
 * JSON log lines, wait for readiness, kill with any signal.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Builds every package (tsc -b is incremental, so this is quick when nothing changed). */
export function buildAll(): void {
  const built = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`tsc -b failed: ${built.stdout}${built.stderr}`);
}

/** A loopback port that was free a moment ago (for a server that must come back on the same port). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Component {
  name: string;
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code or signal name. */
  exited: Promise<string>;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<string>;
}

export interface StartOptions {
  /** Every stdout line (pino JSON). */
  onLine?: (line: string) => void;
  /** Appends stdout and stderr here. */
  logFile: string;
  env?: Record<string, string>;
  /** Extra node flags (e.g. --expose-gc, --import a sampler). */
  nodeArgs?: string[];
}

/** Starts `node <script> ...args`; with an IPC channel so a preloaded sampler can answer. */
export function startComponent(name: string, script: string, args: string[], options: StartOptions): Component {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  child.stderr!.pipe(log, { end: false });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    log.write(`${line}\n`);
    options.onLine?.(line);
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)),
  );
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  return {
    name,
    child,
    pid: child.pid,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },
  };
}

export interface SimInfo {
  zone: string;
  zoneId: string;
  apiUrl: string;
  adminUrl: string;
  apiToken: string;
  adminToken: string;
  pops: { name: string; address: string; port: number }[];
}

/** Starts propwatch-sim and waits for its --json ready line. */
export async function startSim(
  args: string[],
  options: StartOptions,
): Promise<{ component: Component; info: SimInfo }> {
  let ready!: (info: SimInfo) => void;
  const info = new Promise<SimInfo>((resolve) => (ready = resolve));
  const component = startComponent('sim', 'sim/dist/cli.js', ['--json', ...args], {
    ...options,
    onLine: (line) => {
      if (line.includes('"propwatch-sim.ready"')) ready(JSON.parse(line) as SimInfo);
    },
  });
  return {
    component,
    info: await Promise.race([
      info,
      component.exited.then((how) => Promise.reject(new Error(`sim exited (${how}); see ${options.logFile}`))),
    ]),
  };
}

/** Throws naming the first component that has exited (call it inside a wait, so a crash fails fast with its log). */
export function failIfExited(components: readonly Component[], logDir: string): void {
  const dead = components.find((c) => c.child.exitCode !== null || c.child.signalCode !== null);
  if (dead)
    throw new Error(
      `${dead.name} exited (${dead.child.signalCode ?? `exit ${dead.child.exitCode}`}); see ${logDir}/${dead.name}.log`,
    );
}

/** Polls `url` until it answers 2xx. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/** Writes a config object as a file the YAML loaders read (JSON is YAML). */
export function writeConfig(file: string, config: unknown): string {
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** A probe config pointed at a sim and an aggregator, with fast rounds and a debug log (the ledger reads it). */
export function probeConfig(
  sim: SimInfo,
  probe: { id: string; token: string; dir: string },
  aggregatorUrl: string,
  round: Record<string, number>,
): Record<string, unknown> {
  return {
    probe: { id: probe.id, region: 'test' },
    zone: sim.zone,
    writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId } },
    targets: sim.pops.map((p) => ({ name: p.name, address: p.address, port: p.port })),
    round,
    report: {
      url: aggregatorUrl,
      token: probe.token,
      spoolDir: join(probe.dir, 'spool'),
      backoffBaseMs: 50,
      backoffMaxMs: 500,
      timeoutMs: 3000,
    },
    stateDir: join(probe.dir, 'state'),
    logLevel: 'debug',
  };
}
