/**
 * The Pi install path without the workspace (README "Install on a Pi"): the
 * one-file bundle, copied into an empty directory outside the tree (so no
 * node_modules can help it), runs --help and --once against a real aggregator
 * and drives the console driver until SIGTERM. The daemon runs through the
 * file's own first line (as the systemd unit runs it), and what it loads is
 * checked: its V8 flags and no undici (the footprint cuts of issue 18).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, buildTestApp, ingest, pop, report } from '../../aggregator/test/helpers.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let aggregator: TestApp;
let url: string;

/** `direct`: exec the file itself, so its `#!` line picks Node and its flags (PATH must find node). */
function run(args: string[], env: Record<string, string>, until?: (stdout: string) => boolean, direct = false) {
  const file = join(dir, 'propwatch-alarm.mjs');
  const child = spawn(direct ? file : process.execPath, direct ? args : [file, ...args], {
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

/**
 * Preloaded with --import: at exit, writes the process's V8/Node flags and the Node internals it loaded
 * (`process.moduleLoadList`) to $LOADED_OUT.
 */
const LOADED_REPORTER = `import { writeFileSync } from 'node:fs';
process.on('exit', () => writeFileSync(process.env.LOADED_OUT, JSON.stringify({ execArgv: process.execArgv, modules: process.moduleLoadList })));
`;
const UNDICI = 'NativeModule internal/deps/undici/undici';

async function loadedBy(args: string[], env: Record<string, string>, until?: (stdout: string) => boolean) {
  const out = join(dir, `loaded-${args.join('')}.json`);
  const result = await run(
    args,
    { ...env, NODE_OPTIONS: `--import=${join(dir, 'loaded.mjs')}`, LOADED_OUT: out },
    until,
    true,
  );
  return { ...result, loaded: JSON.parse(readFileSync(out, 'utf8')) as { execArgv: string[]; modules: string[] } };
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
  writeFileSync(join(dir, 'loaded.mjs'), LOADED_REPORTER);
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

  it('the daemon runs with the flags of its first line and polls without undici (the global fetch)', async () => {
    expect(readFileSync(join(dir, 'propwatch-alarm.mjs'), 'utf8').split('\n')[0]).toBe(
      '#!/usr/bin/env -S node --lite-mode --no-expose-wasm',
    );
    const daemon = await loadedBy(['--driver', 'console'], { ...env(), PROPWATCH_BEACON__LAMP_TEST: 'false' }, (out) =>
      out.includes('● BEACON ON'),
    );
    expect(daemon.code).toBe(0);
    expect(daemon.stdout).toContain('● BEACON ON');
    expect(daemon.loaded.execArgv).toContain('--lite-mode');
    // Only the JSON log on stderr: no V8 warning about the flags.
    for (const line of daemon.stderr.trim().split('\n')) expect(line).toMatch(/^\{"level":/);
    expect(daemon.loaded.modules).toContain('NativeModule http');
    expect(daemon.loaded.modules).not.toContain(UNDICI);
    const once = await loadedBy(['--driver', 'console', '--once'], env());
    expect(once.stdout).toMatch(/^alarm: LHR not serving/);
    expect(once.code).toBe(1);
    expect(once.loaded.modules).not.toContain(UNDICI);
  });

  it('the load check sees undici where the global fetch is used', async () => {
    const out = join(dir, 'loaded-fetch.json');
    const child = spawn(
      process.execPath,
      [`--import=${join(dir, 'loaded.mjs')}`, '--input-type=module', '-e', `await fetch(${JSON.stringify(url)})`],
      { env: { PATH: process.env.PATH ?? '', LOADED_OUT: out }, stdio: 'ignore' },
    );
    expect(await new Promise((resolve) => child.once('close', resolve))).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { modules: string[] }).modules).toContain(UNDICI);
  });
});
