/** Secret values of a loaded config: masked for dumps, collected for the logger to scrub. */
import type { TSchema } from 'typebox';
import { type JsonSchema, jsonSchemaOf } from './schema-walk.js';

/** A copy of the config with every `secret: true` key replaced by "***", for dumps and logs. */
export function maskSecrets<T>(schema: TSchema, config: T): T {
  return mask(jsonSchemaOf(schema), config) as T;
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
  walk(jsonSchemaOf(schema), config);
  return found;
}
