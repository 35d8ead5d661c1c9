/**
 * Runs one DNS server binary in the foreground, in its own process group and
 * temp dir, and guarantees it goes away: `stop()` in afterAll, and a
 * process-exit/signal hook that SIGKILLs every group still alive and removes
 * its dir, so a failing or interrupted test run leaves no orphaned named or
 * knotd behind (only a SIGKILL of the test worker itself can).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { freePort } from './free-port.js';
import { waitUntilAnswering } from './wait-for-dns.js';

export interface ServerLaunch {
  /** For messages: "named bind-primary". */
  label: string;
  dir: string;
  zone: string;
  /** Builds the command line (and writes config files) for this port. */
  prepare(port: number): { command: string; args: string[] };
  /** The log shows the daemon finished starting. */
  started(log: string): boolean;
  startTimeoutMs?: number;
}

export interface ServerProcess {
  port: number;
  pid: number;
  /** Everything the daemon has logged so far (stdout + stderr). */
  log(): string;
  /** SIGSTOP the whole group: the server stops answering but keeps its sockets. */
  pause(): void;
  resume(): void;
  /** SIGTERM (SIGKILL after 5 s), then removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Another process took the port between our probe-bind and the server's bind. */
const BIND_FAILURE = /address (already )?in use|cannot bind|failed to bind/i;

const live = new Map<number, string>();
let hooked = false;

function killEverything(): void {
  for (const [pid, dir] of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function hookProcessExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killEverything);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killEverything();
      // Re-raise so the worker still dies the way it was asked to.
      process.kill(process.pid, signal);
    });
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

async function launchOnce(launch: ServerLaunch, port: number): Promise<ServerProcess | 'port-taken'> {
  const timeoutMs = launch.startTimeoutMs ?? 20_000;
  const { command, args } = launch.prepare(port);
  // detached: a process group of its own, so one kill(-pid) reaches every thread and child.
  const child = spawn(command, args, { cwd: launch.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${launch.label}: could not start ${command}: ${String(await spawnError)}`);
  live.set(pid, launch.dir);

  let stopped = false;
  const kill = async (removeDir: boolean) => {
    if (!stopped && child.exitCode === null && child.signalCode === null) {
      // A SIGSTOPped process only acts on SIGTERM once continued.
      signalGroup(pid, 'SIGCONT');
      signalGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    stopped = true;
    live.delete(pid);
    if (removeDir) rmSync(launch.dir, { recursive: true, force: true });
  };
  const server: ServerProcess = {
    port,
    pid,
    log: () => log,
    pause: () => {
      signalGroup(pid, 'SIGSTOP');
      waitUntilStopped(pid);
    },
    resume: () => signalGroup(pid, 'SIGCONT'),
    stop: () => kill(true),
  };

  const deadline = Date.now() + timeoutMs;
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  while (!launch.started(log)) {
    if (BIND_FAILURE.test(log)) break;
    if (exitedEarly || Date.now() > deadline) {
      await kill(true);
      throw new Error(
        `${launch.label} ${exitedEarly ? `exited with ${child.exitCode}` : `did not start within ${timeoutMs} ms`}:\n${log}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (BIND_FAILURE.test(log)) {
    await kill(false);
    return 'port-taken';
  }
  try {
    await waitUntilAnswering(port, launch.zone, Math.max(1000, deadline - Date.now()));
  } catch (error) {
    await kill(true);
    throw new Error(`${launch.label}: ${(error as Error).message}\n${log}`);
  }
  return server;
}

/** The port was taken by another process before the server could bind it. */
export class PortTakenError extends Error {}

/**
 * Starts the server and resolves once it answers SOA for its zone with AA
 * (for a secondary: once the first transfer is done). Without `port`, a free
 * loopback port is picked and a lost race for it is retried on a new one;
 * with `port` (another server's config already names it), a lost race
 * throws PortTakenError so the caller can start over with new ports.
 */
export async function startServerProcess(launch: ServerLaunch, port?: number): Promise<ServerProcess> {
  hookProcessExit();
  for (let attempt = 0; attempt < 5; attempt++) {
    const result = await launchOnce(launch, port ?? (await freePort()));
    if (result !== 'port-taken') return result;
    if (port !== undefined) break;
  }
  rmSync(launch.dir, { recursive: true, force: true });
  throw new PortTakenError(
    `${launch.label}: ${port === undefined ? 'lost the race for a free port 5 times' : `port ${port} was taken before it could bind`}`,
  );
}

/**
 * SIGSTOP is delivered asynchronously: until every thread of the daemon shows
 * state T in /proc, a query in flight can still be answered. Waits (blocking,
 * at most 2 s) so that "paused" means no more answers.
 */
function waitUntilStopped(pid: number): void {
  const until = Date.now() + 2000;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (Date.now() < until) {
    let allStopped = true;
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
        // The state is the field after the parenthesised command name.
        if (!/\) [Tt] /.test(stat)) allStopped = false;
      }
    } catch {
      return; // no /proc (not Linux) or the process is gone: nothing to wait for
    }
    if (allStopped) return;
    Atomics.wait(sleeper, 0, 0, 1);
  }
}
