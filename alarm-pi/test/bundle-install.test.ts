/**
 * The Pi install path without the workspace (README "Install on a Pi"): the
 * one-file bundle, copied into an empty directory outside the tree (so no
 * node_modules can help it), runs --help and --once against a real aggregator
 * and drives the console driver until SIGTERM.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp, ingest, pop, report } from '../../aggregator/test/helpers.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let aggregator: TestApp;
let url: string;

function run(args: string[], env: Record<string, string>, until?: (stdout: string) => boolean) {
  const child = spawn(process.execPath, [join(dir, 'propwatch-alarm.mjs'), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let stopped = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // Once: a second SIGTERM is the frame's "stop now" and would not wait for the light to go off.
    if (!stopped && until?.(stdout)) stopped = child.kill('SIGTERM');
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'propwatch-pi-'));
  const built = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [join(pkg, 'scripts', 'bundle.mjs'), join(dir, 'propwatch-alarm.mjs')]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('close', (code) => resolve({ code, output }));
  });
  if (built.code !== 0) throw new Error(`bundle failed: ${built.output}`);
  copyFileSync(join(pkg, 'deploy', 'alarm.example.yaml'), join(dir, 'alarm.yaml'));
  aggregator = buildTestApp({ status: { alarmAboveMs: 30_000, clearBelowMs: 20_000 } });
  url = await aggregator.app.listen({ host: '127.0.0.1', port: 0 });
  const slow = report('p1', {
    pops: [pop('LHR', { state: 'timeout', lowerMs: 90_000, upperMs: undefined, estimateMs: undefined })],
  });
  expect((await ingest(aggregator.app, slow)).statusCode).toBe(200);
}, 60_000);
afterAll(async () => {
  await aggregator?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('propwatch-alarm as one bundled file in an empty directory', () => {
  const env = () => ({ PROPWATCH_CONFIG: join(dir, 'alarm.yaml'), PROPWATCH_AGGREGATOR__URL: url });

  it('--help and --version', async () => {
    const help = await run(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--driver <name>   auto | gpio | gpioset | console');
    expect((await run(['--version'], {})).stdout).toMatch(/^propwatch-alarm \d+\.\d+\.\d+\n$/);
  });

  it('--driver console --once reads the aggregator: alarm, exit 1', async () => {
    const once = await run(['--driver', 'console', '--once'], env());
    expect(once.stdout).toMatch(/^alarm: LHR not serving serial \d+ after ≥ 90\.0 s \(timeout; probe p1\)/);
    expect(once.code).toBe(1);
  });

  it('the console driver lights up on the alarm and goes off on SIGTERM', async () => {
    const daemon = await run(['--driver', 'console'], { ...env(), PROPWATCH_BEACON__LAMP_TEST: 'false' }, (out) =>
      out.includes('● BEACON ON'),
    );
    expect(daemon.stdout).toContain('● BEACON ON');
    expect(daemon.stdout.trimEnd().split('\n').at(-1)).toMatch(/^○ beacon off/);
    expect(daemon.code).toBe(0);
  });
});
