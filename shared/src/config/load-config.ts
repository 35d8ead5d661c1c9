/**
 * Loads a component's configuration once at start: YAML file, then
 * `PROPWATCH_*` environment overrides, then schema defaults, then validation.
 * The result is deep-frozen. Any problem is a ConfigError naming the key, the
 * value and what was expected; secrets are never echoed.
 */
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { ConfigError, hideValue } from './config-error.js';
import { DEFAULT_ENV_PREFIX, applyEnvOverrides, envNameFor, secretWhy } from './env-overrides.js';
import { type FlagOverride, applyFlagOverrides, flagFor } from './flag-overrides.js';
import { readYamlFile } from './read-yaml-file.js';
import { type SchemaError, type SchemaProblem, findSchemaProblems } from './schema-errors.js';
import { type JsonSchema, holdsSecret, jsonSchemaOf, leafPaths, schemaAt, valueAt } from './schema-walk.js';

export interface LoadConfigOptions {
  /** Path of a YAML file; omitted means environment and defaults only. */
  file?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  envPrefix?: string;
  /** Env names with the prefix that are not config keys but are expected (e.g. PROPWATCH_CONFIG). */
  envIgnore?: readonly string[];
  /** Values used instead of a file (tests, embedding); merged over the file's content when both are given. */
  values?: Record<string, unknown>;
  /** Command-line flags that set keys; they win over file, values and environment. */
  flags?: readonly FlagOverride[];
}

export interface LoadedConfig<T> {
  config: Readonly<T>;
  /** Env variables that were applied. */
  appliedEnv: string[];
  /** Env variables with the prefix that match no key (typos): callers log a warning. */
  unknownEnv: string[];
  /**
   * Where the value of a key (`status.quorum`, `probes.1.token`) came from, worded for a ConfigError:
   * "command-line flag --driver", "environment variable PROPWATCH_PROBES", "file probe.yaml",
   * "given values" or "default value". Components use it for the checks the schema cannot express,
   * so every error names the right place.
   */
  sourceOf: (key: string) => string;
}

export function loadConfig<S extends TSchema>(schema: S, options: LoadConfigOptions = {}): LoadedConfig<Static<S>> {
  const prefix = options.envPrefix ?? DEFAULT_ENV_PREFIX;
  const json = jsonSchemaOf(schema);
  const fileValues = options.file ? readYamlFile(options.file, json) : {};
  const fromFile = { ...fileValues, ...(options.values ? structuredClone(options.values) : {}) };
  const env = applyEnvOverrides(json, fromFile, options.env ?? {}, prefix, [
    `${prefix}CONFIG`,
    ...(options.envIgnore ?? []),
  ]);
  const flags = applyFlagOverrides(json, env.merged, options.flags ?? []);
  const withDefaults = Value.Default(schema, flags.merged);
  const appliedLeaves = leafPaths(json)
    .map((leaf) => ({ path: leaf.path, name: envNameFor(leaf.path, prefix) }))
    .filter((leaf) => env.applied.includes(leaf.name));
  const sourceOf = (key: string): string => {
    const path = key === '' || key === '(root)' ? [] : key.split('.');
    const flag = flagFor(flags.applied, path);
    if (flag) return `command-line flag ${flag}`;
    // Env leaves are never inside lists, so a leaf that starts the path set the whole value (PROPWATCH_PROBES).
    const leaf = appliedLeaves.find((candidate) => candidate.path.every((segment, i) => path[i] === segment));
    if (leaf) return `environment variable ${leaf.name}`;
    const pointer = path.map((segment) => `/${segment}`).join('');
    if (options.values && valueAt(options.values, pointer) !== undefined) return 'given values';
    if (options.file && valueAt(fileValues, pointer) !== undefined) return `file ${options.file}`;
    if (path.length > 0 && valueAt(withDefaults, pointer) !== undefined) return 'default value';
    // Absent: say where it can be given.
    if (options.file) return `file ${options.file}`;
    if (options.values) return 'given values';
    return `environment variable ${envNameFor(
      path.filter((segment) => !/^[0-9]+$/.test(segment)),
      prefix,
    )}`;
  };
  const errors: SchemaError[] = Compile(schema).Errors(withDefaults);
  const [first] = findSchemaProblems(schema, errors, 1);
  if (first) throw toConfigError(json, withDefaults, first, sourceOf);
  return {
    config: deepFreeze(withDefaults as Static<S>),
    appliedEnv: env.applied,
    unknownEnv: env.unknown,
    sourceOf,
  };
}

/** A validation problem as a ConfigError: the key, its value (never a secret, never under an unknown key), the source. */
function toConfigError(
  schema: JsonSchema,
  data: unknown,
  problem: SchemaProblem,
  sourceOf: (key: string) => string,
): ConfigError {
  const key = keyOf(problem.pointer);
  switch (problem.kind) {
    case 'unknown':
      // The value of an unknown key is never echoed: it may be a secret under a misspelt name.
      return new ConfigError(
        key,
        hideValue(valueAt(data, problem.pointer), 'the key is unknown (a misspelt secret?)'),
        `no such key (known keys here: ${problem.allowed.join(', ')})`,
        sourceOf(key),
      );
    case 'missing':
      return new ConfigError(key, undefined, problem.expected, sourceOf(key));
    case 'invalid': {
      const target = schemaAt(schema, problem.pointer);
      const raw = valueAt(data, problem.pointer);
      // Anything that is or holds a secret is described, never shown: a list of
      // probes given as one object would otherwise print every token in it.
      const value = raw !== undefined && holdsSecret(target) ? hideValue(raw, secretWhy(target)) : raw;
      return new ConfigError(key, value, problem.expected, sourceOf(key));
    }
  }
}

function keyOf(pointer: string): string {
  return (
    pointer
      .split('/')
      .slice(1)
      .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
      .join('.') || '(root)'
  );
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
