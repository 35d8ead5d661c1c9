/**
 * Builds a validated config from a plain object (defaults applied), for tests
 * and embedding: the same loading, validation and error messages as the CLI's
 * YAML + environment path, without a file and without reading the environment.
 */
import type { AggregatorConfig } from './config.js';
import { loadAggregatorConfig } from './config.js';

export function resolveConfig(input: Record<string, unknown> = {}): AggregatorConfig {
  return loadAggregatorConfig({ values: input, env: {} }).config;
}
