/**
 * Child processes for the secrets test: every component runs as the built
 * CLI (`node <pkg>/dist/cli.js`) and everything it prints on stdout and
 * stderr is kept, so the test can search all of it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function buildAll(): void {
  const built = spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-b'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`tsc -b failed: ${built.stdout}${built.stderr}`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Run {
  label: string;
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(): Promise<number | string>;
}

/** Every run of the test, so the final check sees all output. */
export const runs: Run[] = [];

/** Starts `node <pkg>/dist/cli.js ...args` with only PATH and `env` in its environment. */
export function startCli(label: string, pkg: string, args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [`${ROOT}${pkg}/dist/cli.js`, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    label,
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const result = await run.exited;
      clearTimeout(timer);
      return result;
    },
  };
  child.stdout.on('data', (chunk: Buffer) => (run.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  runs.push(run);
  return run;
}

/** Runs a CLI to completion (with a time limit) and returns its run. */
export async function runCli(
  label: string,
  pkg: string,
  args: string[],
  env: Record<string, string> = {},
  limitMs = 30_000,
): Promise<Run & { code: number | string }> {
  const run = startCli(label, pkg, args, env);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), limitMs);
  const code = await run.exited;
  clearTimeout(timer);
  return Object.assign(run, { code });
}

export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
