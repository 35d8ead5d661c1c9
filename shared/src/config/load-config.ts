/**
 * Loads a component's configuration once at start: YAML file, then
 * `PROPWATCH_*` environment overrides, then schema defaults, then validation.
 * The result is deep-frozen. Any problem is a ConfigError naming the key, the
 * value and what was expected; secrets are never echoed.
 */
import { readFileSync } from 'node:fs';
import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { parseDocument } from 'yaml';
import { ConfigError, HIDDEN_VALUE } from './config-error.js';
import { DEFAULT_ENV_PREFIX, applyEnvOverrides, envNameFor } from './env-overrides.js';
import { type JsonSchema, describeExpected, schemaAt, valueAt } from './schema-walk.js';

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
}

export function loadConfig<S extends TSchema>(schema: S, options: LoadConfigOptions = {}): LoadedConfig<Static<S>> {
  const prefix = options.envPrefix ?? DEFAULT_ENV_PREFIX;
  const fromFile = {
    ...(options.file ? readYaml(options.file) : {}),
    ...(options.values ? structuredClone(options.values) : {}),
  };
  const { merged, applied, unknown } = applyEnvOverrides(
    schema as unknown as JsonSchema,
    fromFile,
    options.env ?? {},
    prefix,
    [`${prefix}CONFIG`, ...(options.envIgnore ?? [])],
  );
  const withDefaults = Value.Default(schema, merged) as unknown;
  const validator = Compile(schema);
  const source = (pointer: string) => {
    const envName = envNameFor(
      pointer
        .split('/')
        .slice(1)
        .filter((s) => !/^[0-9]+$/.test(s)),
      prefix,
    );
    if (applied.includes(envName)) return `environment variable ${envName}`;
    return options.file ? `file ${options.file}` : options.values ? 'given values' : 'defaults';
  };
  for (const error of validator.Errors(withDefaults)) {
    throw toConfigError(schema as unknown as JsonSchema, withDefaults, error, source);
  }
  return { config: deepFreeze(withDefaults as Static<S>), appliedEnv: applied, unknownEnv: unknown };
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
  source: (pointer: string) => string,
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
      HIDDEN_VALUE,
      `no such key (known keys here: ${known})`,
      source(parentPointer),
    );
  }
  const target = schemaAt(schema, pointer);
  const value = target?.secret ? '***' : valueAt(data, pointer);
  return new ConfigError(keyOf(pointer), value, describeExpected(target), source(pointer));
}

function keyOf(pointer: string): string {
  return pointer.split('/').slice(1).join('.') || '(root)';
}

function readYaml(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('(file)', file, 'a readable YAML file', `${(error as Error).message}`);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length) {
    throw new ConfigError('(file)', file, 'valid YAML', document.errors[0]!.message);
  }
  const value = document.toJS() as unknown;
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError('(root)', value, 'a YAML mapping of keys to values', `file ${file}`);
  }
  return value as Record<string, unknown>;
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A copy of the config with every `secret: true` key replaced by "***", for dumps and logs. */
export function maskSecrets<T>(schema: TSchema, config: T): T {
  return mask(schema as unknown as JsonSchema, config) as T;
}

function mask(schema: JsonSchema | undefined, value: unknown): unknown {
  if (!schema) return value;
  if (schema.secret && value !== undefined && value !== '') return '***';
  if (Array.isArray(value)) return value.map((item) => mask(schema.items, item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [
        key,
        mask(
          schema.properties?.[key] ??
            (typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as JsonSchema) : undefined),
          child,
        ),
      ]),
    );
  }
  return value;
}

/** Every non-empty secret string in the config, so the logger can scrub them from any line. */
export function collectSecrets(schema: TSchema, config: unknown): string[] {
  const found: string[] = [];
  const walk = (node: JsonSchema | undefined, value: unknown) => {
    if (!node) return;
    if (node.secret && typeof value === 'string' && value.length > 0) found.push(value);
    else if (Array.isArray(value)) value.forEach((item) => walk(node.items, item));
    else if (typeof value === 'object' && value !== null)
      for (const [key, child] of Object.entries(value))
        walk(
          node.properties?.[key] ??
            (typeof node.additionalProperties === 'object' ? (node.additionalProperties as JsonSchema) : undefined),
          child,
        );
  };
  walk(schema as unknown as JsonSchema, config);
  return found;
}

export { describeExpected };
