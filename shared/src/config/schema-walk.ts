/**
 * Small helpers that read TypeBox (JSON Schema) objects: leaf paths for env
 * overrides, the sub-schema at a path, and a human description of what a
 * schema accepts, used in config and validation error messages.
 */
import type { TSchema } from 'typebox';

export type JsonSchema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  required?: string[];
  const?: unknown;
  enum?: unknown[];
  secret?: boolean;
  // The JSON Schema keywords describeExpected words out, with the types JSON Schema gives them.
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  format?: string;
  /** Overrides the generated description of what the key accepts, where a pattern would read badly. */
  expected?: string;
};

/**
 * The JSON Schema a TypeBox schema is: TypeBox builds plain JSON Schema
 * objects, and its `TSchema` type is an empty interface, so this only tells
 * the compiler what the walkers below may read.
 */
export function jsonSchemaOf(schema: TSchema): JsonSchema {
  if (!isJsonSchema(schema)) throw new TypeError('a schema must be a JSON Schema object');
  return schema;
}

function isJsonSchema(schema: TSchema): schema is JsonSchema {
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema);
}

export interface LeafPath {
  path: string[];
  schema: JsonSchema;
}

/** Every non-object property path of an object schema (arrays and records count as leaves). */
export function leafPaths(schema: JsonSchema, prefix: string[] = []): LeafPath[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties).flatMap(([key, child]) => leafPaths(child, [...prefix, key]));
  }
  return prefix.length ? [{ path: prefix, schema }] : [];
}

const secretHolders = new WeakMap<JsonSchema, boolean>();

/**
 * Whether the schema or anything under it is `secret: true`. A value under
 * such a key may carry a secret anywhere inside it (a token in a list of
 * probes, a webhook URL in a list), so it is never echoed whole.
 */
export function holdsSecret(schema: JsonSchema | undefined): boolean {
  if (!schema) return false;
  const known = secretHolders.get(schema);
  if (known !== undefined) return known;
  secretHolders.set(schema, false); // a recursive schema is not secret through itself
  const children = [
    ...Object.values(schema.properties ?? {}),
    ...(schema.items ? [schema.items] : []),
    ...(schema.anyOf ?? []),
    ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties as JsonSchema] : []),
  ];
  const holds = schema.secret === true || children.some((child) => holdsSecret(child));
  secretHolders.set(schema, holds);
  return holds;
}

/** The sub-schema at a JSON pointer such as `/round/pollIntervalMs` or `/targets/0/port`. */
export function schemaAt(schema: JsonSchema, pointer: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!node) return undefined;
    if (node.properties && segment in node.properties) node = node.properties[segment];
    else if (node.items && /^[0-9]+$/.test(segment)) node = node.items;
    else if (typeof node.additionalProperties === 'object') node = node.additionalProperties as JsonSchema;
    else return undefined;
  }
  return node;
}

/** The value at a JSON pointer such as `/round/pops/0/lowerMs` (undefined when absent). */
export function valueAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const raw of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** What a schema accepts, in words: "an integer from 1 to 65535", "one of cloudflare, rfc2136". */
export function describeExpected(schema: JsonSchema | undefined): string {
  if (!schema) return 'no value here (unknown key)';
  if (typeof schema.expected === 'string') return schema.expected;
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf) {
    const literals = schema.anyOf.filter((s) => s.const !== undefined).map((s) => String(s.const));
    if (literals.length === schema.anyOf.length) return `one of ${literals.join(', ')}`;
    return schema.anyOf.map(describeExpected).join(' or ');
  }
  const parts: string[] = [];
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : schema.type;
  if (type === 'integer' || type === 'number') {
    parts.push(type === 'integer' ? 'an integer' : 'a number');
    const min = schema.minimum ?? schema.exclusiveMinimum;
    const max = schema.maximum ?? schema.exclusiveMaximum;
    if (min !== undefined && max !== undefined) parts.push(`from ${min} to ${max}`);
    else if (min !== undefined) parts.push(`>= ${min}`);
    else if (max !== undefined) parts.push(`<= ${max}`);
  } else if (type === 'string') {
    parts.push('a string');
    if (schema.minLength) parts.push(`of at least ${schema.minLength} characters`);
    if (schema.pattern) parts.push(`matching ${schema.pattern}`);
    if (schema.format) parts.push(`in ${schema.format} format`);
  } else if (type === 'array') {
    parts.push(`a list of ${describeExpected(schema.items)}`);
    if (schema.minItems) parts.push(`(at least ${schema.minItems})`);
  } else if (type === 'object') {
    parts.push(schema.properties ? `an object with keys ${Object.keys(schema.properties).join(', ')}` : 'an object');
  } else if (type === 'boolean') {
    parts.push('true or false');
  } else if (type) {
    parts.push(`a ${type}`);
  }
  return parts.join(' ') || 'a valid value';
}
