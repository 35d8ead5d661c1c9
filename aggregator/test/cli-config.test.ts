import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { ConfigError, runCommand } from '@propwatch/shared';
import { loadAggregatorConfig } from '../src/config.js';
import { resolveConfig } from '../src/resolve-config.js';
import { aggregatorCommand } from '../src/run-cli.js';
import { tempDir } from './helpers.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = { write: (s: string) => out.push(s) };
  const stderr = { write: (s: string) => err.push(s) };
  return { io: { env, stdout, stderr, events: new EventEmitter() }, out, err };
}

function yaml(name: string, text: string): string {
  const file = join(temp.dir, name);
  writeFileSync(file, text);
  return file;
}

describe('config', () => {
  test('defaults are complete and frozen', () => {
    const config = resolveConfig({});
    expect(config.status).toMatchObject({
      alarmAboveMs: 60_000,
      clearBelowMs: 30_000,
      quorum: 1,
      reevaluateMs: 1_000,
      maxExtrapolationMs: 5_000,
    });
    expect(config.storage).toMatchObject({ backend: 'sqlite', synchronous: 'full', retentionDays: 30 });
    expect(Object.isFrozen(config.status)).toBe(true);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    [
      'clear above alarm',
      { status: { alarmAboveMs: 10_000, clearBelowMs: 20_000 } },
      /status\.clearBelowMs.*<= status\.alarmAboveMs \(10000\)/,
    ],
    [
      'quorum above probe count',
      { probes: [{ id: 'p1', token: 'x'.repeat(16) }], status: { quorum: 2 } },
      /status\.quorum.*at most the number of configured probes \(1\)/,
    ],
    [
      'duplicate probe id',
      {
        probes: [
          { id: 'p1', token: 'a'.repeat(16) },
          { id: 'p1', token: 'b'.repeat(16) },
        ],
      },
      /probes\.1\.id/,
    ],
    [
      'shared token',
      {
        probes: [
          { id: 'p1', token: 'a'.repeat(16) },
          { id: 'p2', token: 'a'.repeat(16) },
        ],
      },
      /probes\.1\.token.*is a string, not shown as it is a secret/,
    ],
    ['short token', { probes: [{ id: 'p1', token: 'short' }] }, /probes\.0\.token/],
    ['unknown key', { stauts: {} }, /stauts.*no such key \(known keys here: .*status/],
    [
      'signing secret not whsec_',
      { webhooks: { targets: [{ url: 'https://h.example/x', secret: 'not-a-standard-secret' }] } },
      /webhooks\.targets\.0\.secret.*not shown as it is a secret.*a secret starting with "whsec_"/,
    ],
    [
      'signing secret too short',
      { webhooks: { targets: [{ url: 'https://h.example/x', secret: `whsec_${'QUFB'.repeat(4)}` }] } },
      /webhooks\.targets\.0\.secret.*24 to 64 random bytes after "whsec_" \(got 12\)/,
    ],
    [
      'a label that would rename the alert',
      { webhooks: { targets: [{ url: 'https://h.example/x', format: 'alertmanager', labels: { severity: 'low' } }] } },
      /webhooks\.targets\.0\.labels\.severity.*a label other than alertname, pop, severity/,
    ],
    [
      'labels on a slack target',
      { webhooks: { targets: [{ url: 'https://h.example/x', labels: { team: 'dns' } }] } },
      /webhooks\.targets\.0\.labels.*no labels: they are for the alertmanager format/,
    ],
    [
      'more than 20 targets in all',
      {
        webhooks: {
          urls: Array.from({ length: 11 }, (_, i) => `https://h.example/${i}`),
          targets: Array.from({ length: 10 }, (_, i) => ({ url: `https://h.example/t${i}` })),
        },
      },
      /webhooks\.targets.*at most 20 targets with webhooks\.urls \(got 21\)/,
    ],
  ])('%s → ConfigError naming the key', (_name, input, message) => {
    expect(() => resolveConfig(input)).toThrow(ConfigError);
    expect(() => resolveConfig(input)).toThrow(message);
  });

  test('YAML plus PROPWATCH_* env, secrets never echoed', () => {
    const file = yaml(
      'ok.yaml',
      'probes:\n  - { id: p1, token: yaml-token-000000001 }\nstatus: { alarmAboveMs: 45000 }\n',
    );
    const { config } = loadAggregatorConfig({
      file,
      env: {
        PROPWATCH_STATUS__CLEAR_BELOW_MS: '40000',
        PROPWATCH_LISTEN__PORT: '9100',
        PROPWATCH_STATUS__MAX_EXTRAPOLATION_MS: '3000',
      },
    });
    expect(config.status).toMatchObject({ alarmAboveMs: 45_000, clearBelowMs: 40_000, maxExtrapolationMs: 3_000 });
    expect(config.listen.port).toBe(9100);
    const bad = yaml('bad.yaml', 'probes:\n  - { id: p1, token: tiny }\n');
    expect(() => loadAggregatorConfig({ file: bad })).toThrow(
      /probes\.0\.token.*is a string, not shown as it is a secret/,
    );
    expect(() => loadAggregatorConfig({ file: bad })).not.toThrow(/tiny/);
  });
});

describe('CLI (in-process, with the shared command frame)', () => {
  test('--help and --version', async () => {
    const help = io();
    expect(await runCommand(aggregatorCommand, ['--help'], help.io)).toBe(0);
    expect(help.out.join('')).toContain('Usage: propwatch-aggregator [options]');
    const version = io();
    expect(await runCommand(aggregatorCommand, ['-v'], version.io)).toBe(0);
    expect(version.out.join('')).toMatch(/^propwatch-aggregator \d+\.\d+\.\d+\n$/);
  });

  test('unknown flag → exit 2 with usage; bad config → exit 78 (EX_CONFIG) with the ConfigError message', async () => {
    const flag = io();
    expect(await runCommand(aggregatorCommand, ['--bogus'], flag.io)).toBe(2);
    expect(flag.err.join('')).toMatch(
      /^propwatch-aggregator: Unknown option '--bogus'\n\npropwatch-aggregator \S+: .*\n\nUsage: /,
    );
    const bad = io({ PROPWATCH_STATUS__QUORUM: 'many' });
    expect(await runCommand(aggregatorCommand, [], bad.io)).toBe(78);
    expect(bad.err.join('')).toMatch(
      /config key "status\.quorum" \(environment variable PROPWATCH_STATUS__QUORUM\) has value "many": expected an integer/,
    );
  });

  test('a storage directory that does not exist is a config error naming the key, before anything starts', async () => {
    const file = yaml('nodir.yaml', `storage: { path: ${join(temp.dir, 'no-such-dir', 'a.db')} }\n`);
    const missing = io();
    expect(await runCommand(aggregatorCommand, ['--config', file], missing.io)).toBe(78);
    expect(missing.err.join('')).toBe(
      `propwatch-aggregator: config key "storage.path" (file ${file}) has value "${join(temp.dir, 'no-such-dir', 'a.db')}": ` +
        `expected a database file in an existing, writable directory (${join(temp.dir, 'no-such-dir')} does not exist: create it, or fix the path)\n`,
    );
  });

  test('starts with a config file, serves /healthz, and closes on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const file = yaml(
      'run.yaml',
      `listen: { port: ${port} }\nlogLevel: silent\nstorage: { path: ${join(temp.dir, 'cli.db')} }\nprobes:\n  - { id: p1, token: cli-token-00000001 }\n`,
    );
    const t = io();
    const running = runCommand(aggregatorCommand, ['--config', file], t.io);
    await vi.waitFor(async () => expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200), {
      timeout: 10_000,
    });
    t.io.events.emit('SIGTERM');
    expect(await running).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  test('a port in use ends with one line saying what to change, exit 1', async () => {
    const holder = createServer();
    const port = await new Promise<number>((resolve) =>
      holder.listen(0, '127.0.0.1', () => resolve((holder.address() as AddressInfo).port)),
    );
    try {
      const file = yaml(
        'busy.yaml',
        `listen: { port: ${port} }\nlogLevel: silent\nstorage: { path: ${join(temp.dir, 'busy.db')} }\n`,
      );
      const t = io();
      expect(await runCommand(aggregatorCommand, ['--config', file], t.io)).toBe(1);
      expect(t.err.join('')).toBe(
        `propwatch-aggregator: cannot listen on 127.0.0.1:${port} is in use (EADDRINUSE): stop what listens there, or set listen.port (PROPWATCH_LISTEN__PORT) to another port (0 picks a free one)\n`,
      );
    } finally {
      holder.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
