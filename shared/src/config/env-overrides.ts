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
    setPath(merged, leaf.path, convertText(raw, leaf.schema, leaf.path.join('.'), `environment variable ${name}`));
    applied.push(name);
  }
  const unknown = Object.keys(env).filter((name) => name.startsWith(prefix) && !known.has(name));
  return { merged, applied, unknown };
}

/** Sets `path` in `target`, creating the objects on the way (replacing anything that is not one). */
export function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
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

/**
 * Text from outside a file (an environment variable, a command-line flag) as
 * the type `schema` wants; `source` names where it came from in the error.
 */
export function convertText(raw: string, schema: JsonSchema, key: string, source: string): unknown {
  const types = typesOf(schema);
  const secretive = holdsSecret(schema);
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

/** A `PROPWATCH_*` variable that sets no config key, with the name it most likely meant. */
export interface UnknownEnvName {
  name: string;
  /** A known name the variable is close to (one underscore instead of two, a letter off), if any. */
  suggestion?: string | undefined;
}

/**
 * The variables with `prefix` that no key of `schema` reads (typos, or a
 * variable meant for another component), each with a suggestion when a known
 * name is close. `ignore` lists expected non-key names (PROPWATCH_CONFIG).
 */
export function findUnknownEnv(
  schema: JsonSchema,
  env: Readonly<Record<string, string | undefined>>,
  prefix = DEFAULT_ENV_PREFIX,
  ignore: readonly string[] = [],
): UnknownEnvName[] {
  const known = leafPaths(schema).map((leaf) => envNameFor(leaf.path, prefix));
  const expected = new Set([...known, `${prefix}CONFIG`, ...ignore]);
  return Object.keys(env)
    .filter((name) => name.startsWith(prefix) && !expected.has(name) && env[name] !== undefined)
    .sort()
    .map((name) => ({ name, suggestion: closestName(name, known) }));
}

/** "PROPWATCH_ZONEE matches no config key and is ignored (did you mean PROPWATCH_ZONE?)" */
export function describeUnknownEnv(unknown: UnknownEnvName): string {
  const hint = unknown.suggestion ? ` (did you mean ${unknown.suggestion}?)` : '';
  return `environment variable ${unknown.name} matches no config key and is ignored${hint}`;
}

function closestName(name: string, known: readonly string[]): string | undefined {
  // The commonest slip: one underscore where nesting needs two (PROPWATCH_ROUND_POLL_INTERVAL_MS).
  const squash = (text: string) => text.replace(/_/g, '');
  const sameLetters = known.find((candidate) => squash(candidate) === squash(name));
  if (sameLetters) return sameLetters;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Levenshtein distance (names are short: under 60 characters). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
