/**
 * The built CLI as a real child process: signals, exit codes, --once. Runs
 * dist/cli.js (built here with tsc -b when missing or older than src).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const hasGpioChip = (() => {
  try {
    return readdirSync('/dev').some((name) => /^gpiochip\d+$/.test(name));
  } catch {
    return false;
  }
})();
const cli = join(pkg, 'dist', 'cli.js');

function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newestSource(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

let app: FastifyInstance;
let url: string;
let state: 'ok' | 'alarm' = 'alarm';

beforeAll(async () => {
  if (!existsSync(cli) || statSync(cli).mtimeMs < newestSource(join(pkg, 'src'))) {
    const tsc = join(pkg, '..', 'node_modules', 'typescript', 'bin', 'tsc');
    const built = spawnSync(process.execPath, [tsc, '-b', pkg], { encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`tsc -b failed: ${built.stdout}${built.stderr}`);
  }
  app = Fastify();
  app.get('/api/v1/status', async () => ({
    state,
    since: '2025-01-01T00:00:00.000Z',
    worstMs: 45000,
    thresholdMs: 30000,
    worst: { probe: 'p1', pop: 'LHR' },
    probes: { fresh: 1, expected: 1 },
    reason: state === 'alarm' ? 'LHR 45 s over 30 s' : 'all POPs within threshold',
    updatedAt: '2025-01-01T00:00:01.000Z',
  }));
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
});

/** Runs the CLI to completion without blocking this process's event loop (the fake aggregator lives here). */
function run(
  args: string[],
  environment: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

function env(extra: Record<string, string> = {}) {
  return {
    PATH: process.env.PATH ?? '',
    PROPWATCH_AGGREGATOR__URL: url,
    PROPWATCH_BEACON__LAMP_TEST: 'false',
    PROPWATCH_POLL__INTERVAL_MS: '200',
    ...extra,
  };
}

describe('propwatch-alarm process', () => {
  it('SIGTERM turns the light off and exits 0', async () => {
    state = 'alarm';
    const child = spawn(process.execPath, [cli, '--driver', 'console'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await vi.waitFor(() => expect(stdout).toContain('● BEACON ON'), { timeout: 10_000, interval: 50 });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const afterOn = stdout.slice(stdout.indexOf('● BEACON ON'));
    expect(afterOn).toMatch(/○ beacon off/);
    expect(stderr).toMatch(/"msg":"shutting down: turning the light off"/);
  });

  it('a SIGTERM during start-up (as soon as the driver prints) still exits 0 with the light off', async () => {
    state = 'alarm';
    for (let attempt = 0; attempt < 3; attempt++) {
      const child = spawn(process.execPath, [cli, '--driver', 'console'], {
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      child.stdout.on('data', (chunk: Buffer) => {
        // The first driver output ("○ beacon off" at start) is the earliest moment the old code died on.
        if (!stdout) child.kill('SIGTERM');
        stdout += chunk.toString();
      });
      expect(await exited).toEqual({ code: 0, signal: null });
      expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/○ beacon off/);
    }
  });

  it('--once exits 1 on alarm and 0 on ok, printing the state', async () => {
    state = 'alarm';
    const alarm = await run(['--once'], env());
    expect([alarm.status, alarm.stdout]).toEqual([1, 'alarm: LHR 45 s over 30 s\n']);
    state = 'ok';
    const ok = await run(['--once'], env());
    expect([ok.status, ok.stdout]).toEqual([0, 'ok: all POPs within threshold\n']);
  });

  it('--once against a dead aggregator exits 2', async () => {
    const dead = await run(['--once'], env({ PROPWATCH_AGGREGATOR__URL: 'http://127.0.0.1:9' }));
    expect(dead.status).toBe(2);
    expect(dead.stdout).toMatch(/^unreachable: /);
  });

  it('a bad config exits 78 naming the key before touching anything', async () => {
    const bad = await run(['--driver', 'wiringpi'], env());
    expect(bad.status).toBe(78);
    expect(bad.stderr).toMatch(/config key "driver".*one of auto, gpio, gpioset, console/);
  });

  it('the gpio driver without GPIO exits 69 and says which driver to use', async () => {
    const result = await run(['--driver', 'gpio'], env({ PROPWATCH_GPIO__SYSFS_ROOT: join(pkg, 'no-such-sysfs') }));
    expect(result.status).toBe(69);
    expect(result.stderr).toMatch(/no sysfs GPIO under .*--driver (gpioset|console)/);
  });

  // On a machine with a GPIO character device, auto picks gpioset instead (choose-driver.test.ts has every case).
  it.skipIf(hasGpioChip)('driver auto on a machine without any GPIO exits 69 and says to use console', async () => {
    const result = await run([], env({ PROPWATCH_GPIO__SYSFS_ROOT: join(pkg, 'no-such-sysfs') }));
    expect(result.status).toBe(69);
    expect(result.stderr).toContain('propwatch-alarm: driver auto: no GPIO on this machine');
    expect(result.stderr).toContain('use --driver console');
  });

  it('--help and --version', async () => {
    expect((await run(['--help'], env())).stdout).toMatch(/--once/);
    expect((await run(['--version'], env())).stdout).toMatch(/^propwatch-alarm \d+\.\d+\.\d+\n$/);
  });
});
