/**
 * Environment overrides: `PROPWATCH_` + the key path in UPPER_SNAKE_CASE,
 * nesting joined by a double underscore. `round.pollIntervalMs` is
 * `PROPWATCH_ROUND__POLL_INTERVAL_MS`. Values are converted to the type the
 * schema wants; lists and objects take JSON (lists of strings also take
 * comma-separated text).
 */
import { ConfigError, HiddenValue, hideValue } from './config-error.js';
import { type JsonSchema, describeExpected, holdsSecret, leafPaths } from './schema-walk.js';

export const DEFAULT_ENV_PREFIX = 'PROPWATCH_';

export function envNameFor(path: readonly string[], prefix = DEFAULT_ENV_PREFIX): string {
  return prefix + path.map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('__');
}

export interface EnvOverrideResult {
  /** The input object with overrides applied (a new object). */
  merged: Record<string, unknown>;
  /** Names of variables that were applied, for logging. */
  applied: string[];
  /** Variables with the prefix that match no key: likely typos, worth a warning. */
  unknown: string[];
}

export function applyEnvOverrides(
  schema: JsonSchema,
  base: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  prefix = DEFAULT_ENV_PREFIX,
  ignore: readonly string[] = [],
): EnvOverrideResult {
  const merged = structuredClone(base);
  const applied: string[] = [];
  const known = new Set(ignore);
  for (const leaf of leafPaths(schema)) {
    const name = envNameFor(leaf.path, prefix);
    known.add(name);
    const raw = env[name];
    if (raw === undefined) continue;
    setPath(merged, leaf.path, convert(raw, leaf.schema, name, leaf.path.join('.')));
    applied.push(name);
  }
  const unknown = Object.keys(env).filter((name) => name.startsWith(prefix) && !known.has(name));
  return { merged, applied, unknown };
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function typesOf(schema: JsonSchema): string[] {
  if (schema.anyOf) return schema.anyOf.flatMap(typesOf);
  if (schema.const !== undefined) return [typeof schema.const];
  return Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
}

function convert(raw: string, schema: JsonSchema, envName: string, key: string): unknown {
  const types = typesOf(schema);
  const secretive = holdsSecret(schema);
  const source = `environment variable ${envName}`;
  const fail = (): never => {
    throw new ConfigError(key, secretive ? hideValue(raw, secretWhy(schema)) : raw, describeExpected(schema), source);
  };
  if (types.includes('integer') || types.includes('number')) {
    if (raw.trim() === '') fail();
    const value = Number(raw);
    if (Number.isNaN(value) && !types.includes('string')) fail();
    return Number.isNaN(value) ? raw : value;
  }
  if (types.includes('boolean')) {
    const lowered = raw.trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lowered)) return true;
    if (['false', '0', 'no', 'off'].includes(lowered)) return false;
    fail();
  }
  if (types.includes('array') || types.includes('object')) {
    const trimmed = raw.trim();
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      try {
        return JSON.parse(trimmed) as unknown;
      } catch (error) {
        // The parser's message may quote the text (newer V8 does), so only the position is kept from it.
        const where = /at position (\d+)/.exec((error as Error).message);
        const breaks = where ? `it breaks at character ${Number(where[1]) + 1}` : 'it does not parse';
        throw new ConfigError(
          key,
          secretive ? new HiddenValue(`text that is not valid JSON (${breaks})`, secretWhy(schema)) : raw,
          `valid JSON${secretive ? '' : ` (${breaks})`} holding ${describeExpected(schema)}`,
          source,
        );
      }
    }
    // A key that takes a word or an object (a blink pattern: `off` or {onMs, offMs}) takes the bare word.
    if (types.includes('string')) return raw;
    if (types.includes('array') && schema.items && typesOf(schema.items).includes('string')) {
      return trimmed === '' ? [] : trimmed.split(',').map((item) => item.trim());
    }
    fail();
  }
  return raw;
}

/** Why a value under `schema` is not shown. */
export function secretWhy(schema: JsonSchema | undefined): string {
  return schema?.secret ? 'it is a secret' : 'it holds secrets';
}
