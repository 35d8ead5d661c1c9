/** Builds a validated config from a plain object (defaults applied), for tests and embedding. */
import { ConfigError, deepFreeze, describeExpected, type JsonSchema } from '@propwatch/shared';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { type AggregatorConfig, AggregatorConfigSchema, checkConfig } from './config.js';

const validator = Compile(AggregatorConfigSchema);

export function resolveConfig(input: unknown): AggregatorConfig {
  const withDefaults = Value.Default(AggregatorConfigSchema, structuredClone(input ?? {})) as unknown;
  for (const error of validator.Errors(withDefaults)) {
    const key = error.instancePath.split('/').slice(1).join('.') || '(root)';
    throw new ConfigError(key, '(see options)', `${error.message}${describeHint(error.instancePath)}`, 'options');
  }
  const config = withDefaults as AggregatorConfig;
  checkConfig(config);
  return deepFreeze(config);
}

function describeHint(pointer: string): string {
  let node: JsonSchema | undefined = AggregatorConfigSchema as unknown as JsonSchema;
  for (const segment of pointer.split('/').slice(1)) {
    node = node?.properties?.[segment] ?? (/^[0-9]+$/.test(segment) ? node?.items : undefined);
  }
  return node ? ` (${describeExpected(node)})` : '';
}
