import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '@propwatch/shared';
import { loadAggregatorConfig } from '../src/config.js';
import { resolveConfig } from '../src/resolve-config.js';
import { type CliOutcome, runCli } from '../src/run-cli.js';
import { tempDir } from './helpers.js';

const temp = tempDir();
afterAll(() => temp.cleanup());

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { env, stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
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

describe('CLI', () => {
  test('--help and --version', async () => {
    const help = io();
    expect(await runCli(['--help'], help.io)).toEqual({ exitCode: 0 });
    expect(help.out.join('')).toContain('Usage: propwatch-aggregator [--config <file>]');
    const version = io();
    expect(await runCli(['-v'], version.io)).toEqual({ exitCode: 0 });
    expect(version.out.join('')).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test('unknown flag → exit 2 with usage; bad config → exit 78 (EX_CONFIG) with the ConfigError message', async () => {
    const flag = io();
    expect(await runCli(['--bogus'], flag.io)).toEqual({ exitCode: 2 });
    expect(flag.err.join('')).toContain("Unknown option '--bogus'");
    const bad = io({ PROPWATCH_STATUS__QUORUM: 'many' });
    expect(await runCli([], bad.io)).toEqual({ exitCode: 78 });
    expect(bad.err.join('')).toMatch(
      /config key "status\.quorum" \(environment variable PROPWATCH_STATUS__QUORUM\) has value "many": expected an integer/,
    );
  });

  test('starts on port 0 with a config file and serves /healthz until closed', async () => {
    const file = yaml(
      'run.yaml',
      `listen: { port: 0 }\nlogLevel: silent\nstorage: { path: ${join(temp.dir, 'cli.db')} }\nprobes:\n  - { id: p1, token: cli-token-00000001 }\n`,
    );
    const started: CliOutcome = await runCli(['--config', file], io().io);
    if ('exitCode' in started) throw new Error(`did not start: exit ${started.exitCode}`);
    const address = started.app.addresses()[0]!;
    const response = await fetch(`http://127.0.0.1:${typeof address === 'string' ? address : address.port}/healthz`);
    expect(await response.json()).toEqual({ status: 'ok' });
    await started.app.close();
  });
});
