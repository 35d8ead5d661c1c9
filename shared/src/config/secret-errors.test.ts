/**
 * Config errors never echo a secret, wherever it sits: under a secret key,
 * inside a list or object that holds one, in text that is not JSON or YAML.
 * And every error names the place the value came from.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

const SECRET = 'SECRET-d1f0c3a9e7b2';

const Schema = Type.Object(
  {
    name: Type.String({ default: 'x' }),
    probes: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: '^[a-z0-9]+$' }),
          token: Type.String({ minLength: 16, secret: true }),
        },
        { additionalProperties: false },
      ),
      { default: [] },
    ),
    hooks: Type.Object(
      { urls: Type.Array(Type.String({ pattern: '^https://', secret: true }), { default: [] }) },
      { default: {}, additionalProperties: false },
    ),
    targets: Type.Array(Type.Object({ host: Type.String() }), { default: [] }),
    url: Type.String({ pattern: '^https://', default: 'https://example.test' }),
    limits: Type.Object(
      { max: Type.Integer({ minimum: 1, default: 5 }), min: Type.Integer({ minimum: 0, default: 1 }) },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'propwatch-secret-errors-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

/** The message and everything a logger would serialise from the error. */
const allTextOf = (error: ConfigError) => `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;

describe('an env value under a key that holds secrets is never echoed', () => {
  it.each([
    ['bad JSON', 'PROPWATCH_PROBES', `[{"id":"p1","token":"${SECRET}"`, 'probes', 'is text that is not valid JSON'],
    ['trailing garbage', 'PROPWATCH_PROBES', `[{"id":"p1","token":"${SECRET}"}] x`, 'probes', 'breaks at character'],
    ['an object for a list', 'PROPWATCH_PROBES', `{"id":"p1","token":"${SECRET}"}`, 'probes', 'is an object'],
    ['strings for objects', 'PROPWATCH_PROBES', `["p1:${SECRET}"]`, 'probes.0', 'is a string'],
    ['a list for the token', 'PROPWATCH_PROBES', `[{"id":"p1","token":["${SECRET}"]}]`, 'probes.0.token', 'is a list'],
    ['a short token', 'PROPWATCH_PROBES', `[{"id":"p1","token":"${SECRET.slice(0, 8)}"}]`, 'probes.0.token', ''],
    ['a misspelt token key', 'PROPWATCH_PROBES', `[{"id":"p1","tokne":"${SECRET}"}]`, 'probes.0.tokne', ''],
    ['bad JSON of URLs', 'PROPWATCH_HOOKS__URLS', `["https://hooks.example/${SECRET}"`, 'hooks.urls', ''],
    ['an object of URLs', 'PROPWATCH_HOOKS__URLS', `{"u":"https://hooks.example/${SECRET}"}`, 'hooks.urls', ''],
    ['a bad URL in a list', 'PROPWATCH_HOOKS__URLS', `https://a.example/x,ftp://b/${SECRET}`, 'hooks.urls.1', ''],
  ])('%s (%s)', (_why, variable, value, key, says) => {
    const error = errorOf(() => loadConfig(Schema, { file: yamlFile('name: n\n'), env: { [variable]: value } }));
    expect(allTextOf(error)).not.toContain(SECRET);
    expect(allTextOf(error)).not.toContain(SECRET.slice(0, 8));
    expect(error.key).toBe(key);
    expect(error.message).toContain(`(environment variable ${variable})`);
    expect(error.message).toContain(says);
  });

  it('says where bad JSON breaks, without quoting it', () => {
    const error = errorOf(() => loadConfig(Schema, { env: { PROPWATCH_PROBES: `[{"id":"p1","token":"${SECRET}"` } }));
    expect(error.message).toBe(
      'config key "probes" (environment variable PROPWATCH_PROBES) is text that is not valid JSON (it breaks at character 42), not shown as it holds secrets: expected valid JSON holding a list of an object with keys id, token',
    );
  });

  it('still shows a value that holds no secret, with where its JSON breaks', () => {
    const error = errorOf(() => loadConfig(Schema, { env: { PROPWATCH_TARGETS: '[{"host":"a"' } }));
    expect(error.message).toBe(
      'config key "targets" (environment variable PROPWATCH_TARGETS) has value "[{\\"host\\":\\"a\\"": expected valid JSON (it breaks at character 13) holding a list of an object with keys host',
    );
  });
});

describe('a URL with credentials under a key that is not secret', () => {
  it('is shown without them', () => {
    const error = errorOf(() =>
      loadConfig(Schema, { env: { PROPWATCH_URL: `http://probe:${SECRET}@aggregator.example:8080/x` } }),
    );
    expect(allTextOf(error)).not.toContain(SECRET);
    expect(error.message).toBe(
      'config key "url" (environment variable PROPWATCH_URL) has value "http://***@aggregator.example:8080/x": expected a string matching ^https://',
    );
  });
});

describe('files', () => {
  it.each([
    ['an unclosed quote', `probes:\n  - id: p1\n    token: "${SECRET}\n`, 'line 4, column 1'],
    ['a nested mapping', `probes:\n  - id: p1\n    token: ${SECRET}: x\n`, 'line 3, column 12'],
    ['an unclosed flow list', `hooks:\n  urls: [https://h.example/${SECRET}\n`, 'line 3, column 1'],
  ])('YAML that does not parse (%s) is located, not quoted', (_why, text, where) => {
    const file = yamlFile(text);
    const error = errorOf(() => loadConfig(Schema, { file }));
    expect(allTextOf(error)).not.toContain(SECRET);
    expect(error.message).toContain(`(file ${file}) is YAML that does not parse at ${where}`);
    expect(error.message).toContain('expected valid YAML');
  });

  it('a file that is a list, not a mapping, is not echoed when the schema holds secrets', () => {
    const error = errorOf(() => loadConfig(Schema, { file: yamlFile(`- id: p1\n  token: ${SECRET}\n`) }));
    expect(allTextOf(error)).not.toContain(SECRET);
    expect(error.message).toContain('is a list, not shown as it may hold secrets: expected a YAML mapping');
  });

  it('a list of probes given as a mapping in the file is described, not shown', () => {
    const error = errorOf(() => loadConfig(Schema, { file: yamlFile(`probes:\n  p1: ${SECRET}\n`) }));
    expect(allTextOf(error)).not.toContain(SECRET);
    expect(error.message).toMatch(/^config key "probes" \(file .*\) is an object, not shown as it holds secrets/);
  });
});

describe('every error names where its value came from', () => {
  it.each<[string, Record<string, string>, string, string]>([
    ['a missing token inside an env list', { PROPWATCH_PROBES: '[{"id":"p1"}]' }, 'probes.0.token', 'env'],
    ['a bad id inside an env list', { PROPWATCH_PROBES: `[{"id":"P 1","token":"${SECRET}"}]` }, 'probes.0.id', 'env'],
    ['a bad file value next to env values', { PROPWATCH_LIMITS__MAX: '7' }, 'limits.min', 'file'],
  ])('%s', (_why, env, key, from) => {
    const file = yamlFile('limits:\n  min: -1\n');
    const error = errorOf(() => loadConfig(Schema, { file, env }));
    expect(error.key).toBe(key);
    const variable = Object.keys(env)[0]!;
    expect(error.source).toBe(from === 'env' ? `environment variable ${variable}` : `file ${file}`);
    expect(allTextOf(error)).not.toContain(SECRET);
  });

  it('sourceOf answers for cross-field checks: env, file, given values, default, absent', () => {
    const file = yamlFile('limits:\n  min: 3\n');
    const fromFile = loadConfig(Schema, {
      file,
      env: { PROPWATCH_PROBES: `[{"id":"p1","token":"${SECRET}"}]` },
    });
    expect(fromFile.sourceOf('probes.0.token')).toBe('environment variable PROPWATCH_PROBES');
    expect(fromFile.sourceOf('probes')).toBe('environment variable PROPWATCH_PROBES');
    expect(fromFile.sourceOf('limits.min')).toBe(`file ${file}`);
    expect(fromFile.sourceOf('limits.max')).toBe('default value');
    expect(fromFile.sourceOf('hooks.nothing')).toBe(`file ${file}`);
    const given = loadConfig(Schema, { values: { limits: { max: 9 } }, env: {} });
    expect(given.sourceOf('limits.max')).toBe('given values');
    const bare = loadConfig(Schema, { env: {} });
    expect(bare.sourceOf('name')).toBe('default value');
    expect(bare.sourceOf('hooks.other')).toBe('environment variable PROPWATCH_HOOKS__OTHER');
  });
});
