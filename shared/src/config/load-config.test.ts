import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, HiddenValue } from './config-error.js';
import { envNameFor } from './env-overrides.js';
import { loadConfig } from './load-config.js';
import { collectSecrets, maskSecrets } from './mask-secrets.js';

const Schema = Type.Object(
  {
    probeId: Type.String({ pattern: '^[a-z0-9-]+$' }),
    writer: Type.Union([Type.Literal('cloudflare'), Type.Literal('rfc2136')], { default: 'cloudflare' }),
    round: Type.Object(
      {
        pollIntervalMs: Type.Integer({ minimum: 1, maximum: 60000, default: 50 }),
        enabled: Type.Boolean({ default: true }),
      },
      { default: {}, additionalProperties: false },
    ),
    tags: Type.Array(Type.String(), { default: [] }),
    apiToken: Type.Optional(Type.String({ secret: true })),
  },
  { additionalProperties: false },
);

function yamlFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-config-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads YAML, applies defaults and freezes the result', () => {
    const { config } = loadConfig(Schema, { file: yamlFile('probeId: p1\nround:\n  pollIntervalMs: 20\n') });
    expect(config).toEqual({
      probeId: 'p1',
      writer: 'cloudflare',
      round: { pollIntervalMs: 20, enabled: true },
      tags: [],
    });
    expect(Object.isFrozen(config.round)).toBe(true);
  });

  it('lets PROPWATCH_* variables override the file, converting types', () => {
    const env = {
      PROPWATCH_PROBE_ID: 'p2',
      PROPWATCH_ROUND__POLL_INTERVAL_MS: '100',
      PROPWATCH_ROUND__ENABLED: 'false',
      PROPWATCH_TAGS: 'a, b',
      PROPWATCH_TYPO: 'x',
    };
    const loaded = loadConfig(Schema, { file: yamlFile('probeId: p1\n'), env });
    expect(loaded.config).toMatchObject({
      probeId: 'p2',
      round: { pollIntervalMs: 100, enabled: false },
      tags: ['a', 'b'],
    });
    expect(loaded.unknownEnv).toEqual(['PROPWATCH_TYPO']);
    expect(loaded.appliedEnv).toContain('PROPWATCH_ROUND__POLL_INTERVAL_MS');
  });

  it('names env variables from key paths', () => {
    expect(envNameFor(['round', 'pollIntervalMs'])).toBe('PROPWATCH_ROUND__POLL_INTERVAL_MS');
    expect(envNameFor(['apiToken'])).toBe('PROPWATCH_API_TOKEN');
  });

  it.each([
    ['probeId: p1\nround:\n  pollIntervalMs: 0\n', {}, 'round.pollIntervalMs', 0, 'an integer from 1 to 60000'],
    ['probeId: p1\nwriter: route53\n', {}, 'writer', 'route53', 'one of cloudflare, rfc2136'],
    ['round: {}\n', {}, 'probeId', undefined, 'a string matching ^[a-z0-9-]+$'],
    [
      'probeId: p1\nroudn: {}\n',
      {},
      'roudn',
      new HiddenValue('an object', 'the key is unknown (a misspelt secret?)'),
      'no such key (known keys here: probeId, writer, round, tags, apiToken)',
    ],
  ])('reports the key, value and expectation for %j', (yaml, env, key, value, expected) => {
    const error = errorOf(() => loadConfig(Schema, { file: yamlFile(yaml), env }));
    expect(error.key).toBe(key);
    expect(error.value).toEqual(value);
    expect(error.expected).toBe(expected);
    expect(error.message).toContain(`"${key}"`);
  });

  it('says which environment variable held a bad value', () => {
    const error = errorOf(() =>
      loadConfig(Schema, { env: { PROPWATCH_PROBE_ID: 'p1', PROPWATCH_ROUND__POLL_INTERVAL_MS: 'fast' } }),
    );
    expect(error.message).toBe(
      'config key "round.pollIntervalMs" (environment variable PROPWATCH_ROUND__POLL_INTERVAL_MS) has value "fast": expected an integer from 1 to 60000',
    );
  });

  it('rejects unreadable files and invalid YAML with the file name', () => {
    expect(() => loadConfig(Schema, { file: '/nonexistent/propwatch.yaml' })).toThrow(/propwatch\.yaml/);
    expect(() => loadConfig(Schema, { file: yamlFile('probeId: [unclosed\n') })).toThrow(/valid YAML/);
    expect(() => loadConfig(Schema, { file: yamlFile('- a list\n') })).toThrow(/YAML mapping/);
  });

  it('masks secrets in dumps and never echoes them in errors', () => {
    const { config } = loadConfig(Schema, { env: { PROPWATCH_PROBE_ID: 'p1', PROPWATCH_API_TOKEN: 's3cr3t-token' } });
    expect(maskSecrets(Schema, config)).toMatchObject({ apiToken: '***', probeId: 'p1' });
    expect(collectSecrets(Schema, config)).toEqual(['s3cr3t-token']);
    const SecretNumber = Type.Object({ key: Type.String({ minLength: 10, secret: true }) });
    const error = errorOf(() => loadConfig(SecretNumber, { env: { PROPWATCH_KEY: 'short' } }));
    expect(error.message).toBe(
      'config key "key" (environment variable PROPWATCH_KEY) is a string, not shown as it is a secret: expected a string of at least 10 characters',
    );
  });
});

describe('env overrides of keys that take a word or an object', () => {
  const Pattern = Type.Object({
    stale: Type.Union(
      [Type.Literal('off'), Type.Literal('steady'), Type.Object({ onMs: Type.Integer(), offMs: Type.Integer() })],
      { default: 'off' },
    ),
  });
  it('takes the bare word and the JSON object', () => {
    expect(loadConfig(Pattern, { env: { PROPWATCH_STALE: 'steady' } }).config.stale).toBe('steady');
    expect(loadConfig(Pattern, { env: { PROPWATCH_STALE: '{"onMs":500,"offMs":500}' } }).config.stale).toEqual({
      onMs: 500,
      offMs: 500,
    });
  });
});

describe('values that must not be echoed', () => {
  it('does not print the value of an unknown (misspelt) key', () => {
    const error = errorOf(() => loadConfig(Schema, { values: { probeId: 'p1', apiTokne: 'tok-secret-value-123' } }));
    expect(error.message).toBe(
      'config key "apiTokne" (given values) is a string, not shown as the key is unknown (a misspelt secret?): expected no such key (known keys here: probeId, writer, round, tags, apiToken)',
    );
  });

  it('masks a secret that fails conversion from the environment', () => {
    const Secretive = Type.Object({ pin: Type.Integer({ secret: true }) });
    const error = errorOf(() => loadConfig(Secretive, { env: { PROPWATCH_PIN: 'not-a-number-secret' } }));
    expect(error.message).not.toContain('not-a-number-secret');
    expect(error.message).toContain('is a string, not shown as it is a secret');
  });
});

describe('command-line flags over file and environment', () => {
  const Flagged = Type.Object(
    {
      timeScale: Type.Number({ minimum: 0, maximum: 1000, default: 1 }),
      faults: Type.Array(Type.String(), { default: [] }),
      driver: Type.Union([Type.Literal('gpio'), Type.Literal('console')], { default: 'gpio' }),
    },
    { additionalProperties: false },
  );

  it('win over the environment, converted like it, and name themselves as the source', () => {
    const loaded = loadConfig(Flagged, {
      env: { PROPWATCH_TIME_SCALE: '2', PROPWATCH_DRIVER: 'gpio' },
      flags: [
        { key: 'timeScale', flag: '--time-scale', value: '0.5' },
        { key: 'driver', flag: '--driver', value: 'console' },
      ],
    });
    expect(loaded.config).toMatchObject({ timeScale: 0.5, driver: 'console' });
    expect(loaded.sourceOf('timeScale')).toBe('command-line flag --time-scale');
  });

  it('add to a list when they append, and each item names where it came from', () => {
    const loaded = loadConfig(Flagged, {
      values: { faults: ['LHR=stuck'] },
      flags: [{ key: 'faults', flag: '--fault', value: ['SYD=down'], append: true }],
    });
    expect(loaded.config.faults).toEqual(['LHR=stuck', 'SYD=down']);
    expect(loaded.sourceOf('faults.0')).toBe('given values');
    expect(loaded.sourceOf('faults.1')).toBe('command-line flag --fault');
  });

  it('a bad value is a ConfigError naming the flag', () => {
    expect(
      errorOf(() => loadConfig(Flagged, { flags: [{ key: 'timeScale', flag: '--time-scale', value: 'x' }] })).message,
    ).toBe('config key "timeScale" (command-line flag --time-scale) has value "x": expected a number from 0 to 1000');
    expect(
      errorOf(() => loadConfig(Flagged, { flags: [{ key: 'driver', flag: '--driver', value: 'wiringpi' }] })).message,
    ).toBe('config key "driver" (command-line flag --driver) has value "wiringpi": expected one of gpio, console');
  });
});
