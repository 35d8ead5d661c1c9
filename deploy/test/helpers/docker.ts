/**
 * The Docker CLI and docker-compose as the heavy deployment tests drive them:
 * child processes without a shell, each with a time and output bound, and
 * the engine check that decides between running, failing (CI) and skipping.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './compose-file.js';

const MAX_OUTPUT = 64 << 20;

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion; a non-zero exit is a result, not an exception. The command gets
 * its own process group, and at the timeout the whole group is killed: a build script's
 * `docker build` (whose end cancels the build in the engine) must not outlive it.
 */
export function run(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Ran> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, detached: true });
    const stdout = tail();
    const stderr = tail();
    child.stdout.on('data', stdout.add);
    child.stderr.on('data', stderr.add);
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // The group is gone already.
      }
    };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    let settled = false;
    const settle = (code: number, note = '') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, stdout: stdout.text(), stderr: stderr.text() + note });
    };
    child.on('error', (error) => settle(127, `\n${command}: ${error.message}`));
    child.on('close', (code) =>
      timedOut ? settle(124, `\n${command} ${args.join(' ')}: killed after ${timeoutMs / 1000} s`) : settle(code ?? 1),
    );
  });
}

/** The last MAX_OUTPUT bytes of a stream (the end says what failed). */
function tail() {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add: (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      while (size > MAX_OUTPUT && chunks.length > 1) size -= chunks.shift()!.length;
    },
    text: () => Buffer.concat(chunks).toString(),
  };
}

/** Like run, but a non-zero exit throws with the command's own words. */
export async function mustRun(command: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const ran = await run(command, args, { timeoutMs });
  if (ran.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${ran.code}:\n${ran.stderr.slice(-4000)}${ran.stdout.slice(-2000)}`,
    );
  return ran.stdout;
}

/** Why these tests cannot run here (no engine, no docker-compose), or undefined when they can. */
export function dockerUnavailable(): string | undefined {
  const ok = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
    return !result.error && result.status === 0;
  };
  if (!ok('docker', ['--version'])) return 'docker not found (apt-get install docker.io)';
  if (!ok('docker', ['info', '--format', '{{.ServerVersion}}']))
    return 'no Docker engine answers (start one: dockerd --iptables=false, see .ci/run)';
  if (!ok('docker-compose', ['version'])) return 'docker-compose not found (apt-get install docker-compose)';
  return undefined;
}

/**
 * The reason to skip, printed, or undefined to run. In CI (.ci/run starts
 * the engine) a missing engine is never a reason: the suite runs and fails.
 */
export function skipReason(suite: string, missing: string | undefined): string | undefined {
  if (missing === undefined || process.env.CI) return undefined;
  const reason = `skipping ${suite}: ${missing}`;
  console.warn(reason);
  return reason;
}

/**
 * Bound of one build-images.sh run: from scratch (base image, then npm ci with better-sqlite3
 * compiled) it took 17 min on the loaded 2-core machine (deploy/README.md); CI's budget is 45.
 */
export const BUILD_TIMEOUT_MS = 30 * 60_000;

/** scripts/docker/build-images.sh with the given targets; prints what it built and how long it took. */
export async function buildImages(...targets: string[]): Promise<string> {
  const out = await mustRun(join(ROOT, 'scripts/docker/build-images.sh'), targets, BUILD_TIMEOUT_MS);
  console.log(out.trim());
  return out;
}

/** `12.5MiB` (docker stats) in MiB. */
export function mebibytes(text: string): number {
  const match = /^([\d.]+)\s*([KMGT]?i?B)$/.exec(text.trim());
  if (!match) return Number.NaN;
  const scale: Record<string, number> = { B: 1 / 2 ** 20, KiB: 1 / 1024, MiB: 1, GiB: 1024, TiB: 2 ** 20 };
  return Number(match[1]) * (scale[match[2]!] ?? Number.NaN);
}
