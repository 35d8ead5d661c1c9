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
import { readYamlFile } from './read-yaml-file.js';
import { type JsonSchema, describeExpected, holdsSecret, leafPaths, schemaAt, valueAt } from './schema-walk.js';

export interface LoadConfigOptions {
  /** Path of a YAML file; omitted means environment and defaults only. */
  file?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  envPrefix?: string;
  /** Env names with the prefix that are not config keys but are expected (e.g. PROPWATCH_CONFIG). */
  envIgnore?: readonly string[];
  /** Values used instead of a file (tests, embedding); merged over the file's content when both are given. */
  values?: Record<string, unknown>;
}

export interface LoadedConfig<T> {
  config: Readonly<T>;
  /** Env variables that were applied. */
  appliedEnv: string[];
  /** Env variables with the prefix that match no key (typos): callers log a warning. */
  unknownEnv: string[];
  /**
   * Where the value of a key (`status.quorum`, `probes.1.token`) came from, worded for a ConfigError:
   * "environment variable PROPWATCH_PROBES", "file probe.yaml", "given values" or "default value".
   * Components use it for the checks the schema cannot express, so every error names the right place.
   */
  sourceOf(key: string): string;
}

export function loadConfig<S extends TSchema>(schema: S, options: LoadConfigOptions = {}): LoadedConfig<Static<S>> {
  const prefix = options.envPrefix ?? DEFAULT_ENV_PREFIX;
  const json = schema as unknown as JsonSchema;
  const fileValues = options.file ? readYamlFile(options.file, json) : {};
  const fromFile = { ...fileValues, ...(options.values ? structuredClone(options.values) : {}) };
  const { merged, applied, unknown } = applyEnvOverrides(json, fromFile, options.env ?? {}, prefix, [
    `${prefix}CONFIG`,
    ...(options.envIgnore ?? []),
  ]);
  const withDefaults = Value.Default(schema, merged) as unknown;
  const appliedLeaves = leafPaths(json)
    .map((leaf) => ({ path: leaf.path, name: envNameFor(leaf.path, prefix) }))
    .filter((leaf) => applied.includes(leaf.name));
  const sourceOf = (key: string): string => {
    const path = key === '' || key === '(root)' ? [] : key.split('.');
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
  const validator = Compile(schema);
  const errors = [...validator.Errors(withDefaults)];
  // A misspelt key also leaves the real one missing; the misspelling is the error worth naming.
  const first =
    errors.find((error) => error.keyword === 'additionalProperties' || error.keyword === 'boolean') ?? errors[0];
  if (first) throw toConfigError(json, withDefaults, first, sourceOf);
  return { config: deepFreeze(withDefaults as Static<S>), appliedEnv: applied, unknownEnv: unknown, sourceOf };
}

interface ValidationError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function toConfigError(
  schema: JsonSchema,
  data: unknown,
  error: ValidationError,
  sourceOf: (key: string) => string,
): ConfigError {
  let pointer = error.instancePath;
  if (error.keyword === 'required') {
    const missing =
      (error.params.requiredProperties as string[] | undefined)?.[0] ??
      (error.params.missingProperty as string | undefined);
    if (missing) pointer = `${pointer}/${missing}`;
  }
  // TypeBox reports an unknown key either as `additionalProperties` on the
  // parent or as the `false` schema on the key itself.
  const unknownKeyPointer =
    error.keyword === 'additionalProperties'
      ? `${error.instancePath}/${(error.params.additionalProperties as string[] | undefined)?.[0] ?? '?'}`
      : error.keyword === 'boolean'
        ? error.instancePath
        : undefined;
  if (unknownKeyPointer !== undefined) {
    const parentPointer = unknownKeyPointer.split('/').slice(0, -1).join('/');
    const known = Object.keys(schemaAt(schema, parentPointer)?.properties ?? {}).join(', ');
    // The value of an unknown key is never echoed: it may be a secret under a misspelt name.
    return new ConfigError(
      keyOf(unknownKeyPointer),
      hideValue(valueAt(data, unknownKeyPointer), 'the key is unknown (a misspelt secret?)'),
      `no such key (known keys here: ${known})`,
      sourceOf(keyOf(unknownKeyPointer)),
    );
  }
  const target = schemaAt(schema, pointer);
  const raw = valueAt(data, pointer);
  // Anything that is or holds a secret is described, never shown: a list of
  // probes given as one object would otherwise print every token in it.
  const value = raw !== undefined && holdsSecret(target) ? hideValue(raw, secretWhy(target)) : raw;
  return new ConfigError(keyOf(pointer), value, describeExpected(target), sourceOf(keyOf(pointer)));
}

function keyOf(pointer: string): string {
  return pointer.split('/').slice(1).join('.') || '(root)';
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export { describeExpected };
