/**
 * The Docker CLI and docker-compose as the heavy deployment tests drive them:
 * child processes without a shell, each with a time and output bound, and
 * the engine check that decides between running, failing (CI) and skipping.
 */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './compose-file.js';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit is a result, not an exception. */
export function run(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: ROOT, env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
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

/** scripts/docker/build-images.sh with the given targets; prints what it built and how long it took. */
export async function buildImages(...targets: string[]): Promise<string> {
  const out = await mustRun(join(ROOT, 'scripts/docker/build-images.sh'), targets, 60 * 60_000);
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
