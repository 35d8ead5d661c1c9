/**
 * One CLI shape (issue 14 item 4, issue 13 item 2): the four bins, run as a
 * user runs them (`node <pkg>/bin/propwatch-*.js`, which runs the built
 * dist/cli.js), each through the same table of cases: --help, --version, an
 * unknown flag, no config, a bad value, a missing required key, a missing or
 * unusable storage directory, --print-config with a secret and a typo'd
 * PROPWATCH_* name, and SIGTERM / SIGINT while running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROPWATCH_VERSION } from '@propwatch/shared';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'propwatch-cli-shape-'));
const SECRET = 'shape-secret-0123456789';

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}

interface Binary {
  name: string;
  bin: string;
  /** A config file it runs with (the sim needs none). */
  config: () => string | undefined;
  /** A variable with a bad value and the exact message. */
  bad: { env: Record<string, string>; message: string };
  /** A config that lacks a required key, and the message; the sim has no required key. */
  missing?: { config: () => string; message: (file: string) => string };
  /** A config whose storage directory cannot be used, and the start of the message. */
  storage?: { config: () => string; message: RegExp };
  /** A variable holding a secret, shown as *** by --print-config. */
  secretEnv: Record<string, string>;
  /** When the running process is ready for a signal, from what it printed. */
  ready: (stdout: string, stderr: string) => boolean;
}

const unreachable = 'http://127.0.0.1:59998';
const probeConfig = (extra: Record<string, unknown> = {}) => ({
  probe: { id: 'shape1' },
  zone: 'propwatch.test',
  writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: unreachable, zoneId: 'z1', apiToken: SECRET } },
  targets: [{ name: 'LHR', address: '127.0.0.1', port: 59997 }],
  round: { intervalMs: 1000, maxWaitMs: 500 },
  stateDir: join(dir, 'probe-state'),
  ...extra,
});

const BINARIES: Binary[] = [
  {
    name: 'propwatch-sim',
    bin: 'sim/bin/propwatch-sim.js',
    config: () => undefined,
    bad: {
      env: { PROPWATCH_SEED: 'abc' },
      message:
        'config key "seed" (environment variable PROPWATCH_SEED) has value "abc": expected an integer from 0 to 4294967295',
    },
    secretEnv: { PROPWATCH_API_TOKEN: SECRET },
    ready: (stdout) => stdout.includes('propwatch-sim.ready'),
  },
  {
    name: 'propwatch-probe',
    bin: 'probe/bin/propwatch-probe.js',
    config: () => file('probe.yaml', probeConfig()),
    bad: {
      env: { PROPWATCH_ROUND__INTERVAL_MS: 'soon' },
      message:
        'config key "round.intervalMs" (environment variable PROPWATCH_ROUND__INTERVAL_MS) has value "soon": expected an integer from 100 to 86400000',
    },
    missing: {
      config: () =>
        file(
          'probe-missing.yaml',
          probeConfig({ writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: unreachable, zoneId: 'z1' } } }),
        ),
      message: (path) =>
        `config key "writer.cloudflare.apiToken" (file ${path}) is missing: expected a string of at least 1 characters`,
    },
    storage: {
      // A directory under a regular file can never be created, whoever runs the test.
      config: () =>
        file('probe-storage.yaml', probeConfig({ stateDir: join(file('blocker', 'a regular file'), 'state') })),
      message:
        /^config key "stateDir" \(file \S+\) has value "\S+": expected a directory the probe can create and write \(ENOTDIR: /,
    },
    secretEnv: { PROPWATCH_REPORT__URL: unreachable, PROPWATCH_REPORT__TOKEN: SECRET },
    ready: (stdout) => stdout.includes('"msg":"probe started"'),
  },
  {
    name: 'propwatch-aggregator',
    bin: 'aggregator/bin/propwatch-aggregator.js',
    config: () =>
      file('aggregator.yaml', {
        listen: { host: '127.0.0.1', port: 0 },
        storage: { path: join(dir, 'aggregator.db') },
        probes: [{ id: 'p1', token: SECRET }],
      }),
    bad: {
      env: { PROPWATCH_STATUS__QUORUM: 'many' },
      message:
        'config key "status.quorum" (environment variable PROPWATCH_STATUS__QUORUM) has value "many": expected an integer from 1 to 1000',
    },
    missing: {
      config: () => file('aggregator-missing.yaml', { probes: [{ id: 'p1' }] }),
      message: (path) =>
        `config key "probes.0.token" (file ${path}) is missing: expected a string of at least 16 characters`,
    },
    storage: {
      config: () => file('aggregator-storage.yaml', { storage: { path: join(dir, 'no-such-dir', 'a.db') } }),
      message:
        /^config key "storage\.path" \(file \S+\) has value "\S+": expected a database file in an existing, writable directory \(\S+ does not exist: create it, or fix the path\)$/,
    },
    secretEnv: { PROPWATCH_READ_TOKEN: `${SECRET}-read` },
    ready: (stdout) => stdout.includes('"msg":"aggregator ready"'),
  },
  {
    name: 'propwatch-alarm',
    bin: 'alarm-pi/bin/propwatch-alarm.js',
    config: () =>
      file('alarm.yaml', { aggregator: { url: unreachable }, driver: 'console', beacon: { lampTest: false } }),
    bad: {
      env: { PROPWATCH_POLL__INTERVAL_MS: 'soon' },
      message:
        'config key "poll.intervalMs" (environment variable PROPWATCH_POLL__INTERVAL_MS) has value "soon": expected an integer from 100 to 86400000',
    },
    missing: {
      config: () => file('alarm-missing.yaml', { driver: 'console' }),
      message: (path) =>
        `config key "aggregator" (file ${path}) is missing: expected an object with keys url, urls, readToken, timeoutMs`,
    },
    secretEnv: { PROPWATCH_AGGREGATOR__READ_TOKEN: SECRET },
    ready: (stdout) => stdout.includes('○ beacon off'),
  },
];

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a bin with only PATH and `env` in its environment (nothing of this test's own PROPWATCH_*). */
function run(binary: Binary, args: string[], env: Record<string, string> = {}): Promise<Result> {
  return runUntil(binary, args, env);
}

function runUntil(
  binary: Binary,
  args: string[],
  env: Record<string, string>,
  signalWhenReady?: NodeJS.Signals,
): Promise<Result> {
  const child = spawn(process.execPath, [join(ROOT, binary.bin), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const result: Result = { code: null, signal: null, stdout: '', stderr: '' };
  let signalled = false;
  const check = () => {
    if (signalWhenReady && !signalled && binary.ready(result.stdout, result.stderr)) {
      signalled = true;
      child.kill(signalWhenReady);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => ((result.stdout += chunk.toString()), check()));
  child.stderr.on('data', (chunk: Buffer) => ((result.stderr += chunk.toString()), check()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ...result, code, signal });
    }),
  );
}

beforeAll(() => {
  // The bins run dist/: build it (incremental, quick when nothing changed).
  const built = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`tsc -b failed: ${built.stdout}${built.stderr}`);
}, 180_000);

describe.each(BINARIES)('$name', (binary) => {
  it('--help: the usage on stdout, with the common flags', async () => {
    const { code, stdout, stderr } = await run(binary, ['--help']);
    expect(code).toBe(0);
    expect(stdout.startsWith(`${binary.name} ${PROPWATCH_VERSION}: `)).toBe(true);
    expect(stdout).toContain(`Usage: ${binary.name} [options]`);
    for (const flag of ['-c, --config <file>', '--print-config', '-h, --help', '-v, --version'])
      expect(stdout).toContain(flag);
    expect(stderr).toBe('');
  });

  it('--version: the name and the version', async () => {
    expect(await run(binary, ['--version'])).toMatchObject({
      code: 0,
      stdout: `${binary.name} ${PROPWATCH_VERSION}\n`,
    });
  });

  it('an unknown flag: one line, the usage, exit 2, no stack trace', async () => {
    const { code, stdout, stderr } = await run(binary, ['--bogus']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.startsWith(`${binary.name}: Unknown option '--bogus'\n\n${binary.name} `)).toBe(true);
    expect(stderr).toContain('Usage:');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('no config: says how to give one, exit 78 (the sim runs on defaults)', async () => {
    if (binary.name === 'propwatch-sim') {
      const { code, stdout } = await run(binary, ['--print-config']);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ pops: 14, zone: 'propwatch.test' });
      return;
    }
    const readme = binary.bin.split('/')[0];
    expect(await run(binary, [])).toEqual({
      code: 78,
      signal: null,
      stdout: '',
      stderr: `${binary.name}: no config: pass --config FILE or set PROPWATCH_CONFIG (every key can also be set as a PROPWATCH_* variable; see ${readme}/README.md)\n`,
    });
  });

  it('a bad value: one line naming key, source, value and expectation, exit 78', async () => {
    const config = binary.config();
    const args = config ? ['--config', config] : [];
    expect(await run(binary, args, binary.bad.env)).toEqual({
      code: 78,
      signal: null,
      stdout: '',
      stderr: `${binary.name}: ${binary.bad.message}\n`,
    });
  });

  it.runIf(binary.missing)('a missing required key says "is missing", exit 78', async () => {
    const config = binary.missing!.config();
    const result = await run(binary, ['--config', config]);
    expect(result).toEqual({
      code: 78,
      signal: null,
      stdout: '',
      stderr: `${binary.name}: ${binary.missing!.message(config)}\n`,
    });
    expect(result.stderr).not.toContain('***');
  });

  it.runIf(binary.storage)('a storage directory it cannot use: one line naming the key, exit 78', async () => {
    const { code, stdout, stderr } = await run(binary, ['--config', binary.storage!.config()]);
    expect(code).toBe(78);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr.slice(binary.name.length + 2).trimEnd()).toMatch(binary.storage!.message);
  });

  it('--print-config: secrets masked; a typo in PROPWATCH_* reported here too', async () => {
    const config = binary.config();
    const { code, stdout, stderr } = await run(binary, [...(config ? ['--config', config] : []), '--print-config'], {
      ...binary.secretEnv,
      PROPWATCH_LOG_LEVLE: 'debug',
    });
    expect(code).toBe(0);
    expect(stdout).toContain('"***"');
    expect(stdout).not.toContain(SECRET);
    expect(JSON.parse(stdout)).toBeTypeOf('object');
    expect(stderr).toBe(
      `${binary.name}: warning: environment variable PROPWATCH_LOG_LEVLE matches no config key and is ignored (did you mean PROPWATCH_LOG_LEVEL?)\n`,
    );
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('%s while running: a clean stop, exit 0', async (signal) => {
    const config = binary.config();
    const args = [...(config ? ['--config', config] : []), ...(binary.name === 'propwatch-sim' ? ['--json'] : [])];
    const result = await runUntil(binary, args, {}, signal);
    expect(binary.ready(result.stdout, result.stderr)).toBe(true);
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 0, signal: null });
  });
});

describe('modes that do the work once report typos too', () => {
  it.each([
    ['propwatch-probe', ['--once']],
    ['propwatch-alarm', ['--once']],
  ])('%s %j', async (name, args) => {
    const binary = BINARIES.find((b) => b.name === name)!;
    const { stderr } = await run(binary, ['--config', binary.config()!, ...args], { PROPWATCH_ZONEE: 'x.test' });
    expect(stderr.split('\n')[0]).toBe(
      `${name}: warning: environment variable PROPWATCH_ZONEE matches no config key and is ignored${name === 'propwatch-probe' ? ' (did you mean PROPWATCH_ZONE?)' : ''}`,
    );
  });

  it('propwatch-alarm --once names the connection error, as the daemon logs it', async () => {
    const binary = BINARIES.find((b) => b.name === 'propwatch-alarm')!;
    const { code, stdout } = await run(binary, ['--config', binary.config()!, '--once'], {
      PROPWATCH_AGGREGATOR__URL: 'http://127.0.0.1:9',
    });
    expect(code).toBe(2);
    // The client's requests go over node:http (alarm-pi/src/http-fetch.ts, no undici), which connects to any
    // port: the answer is the system's refusal, named with its code.
    expect(stdout).toBe(
      'unreachable: no answer from http://127.0.0.1:9/api/v1/status: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9\n',
    );
  });
});
