/**
 * Named schemas of the API: each has a `$id`, is added to the app once (addSchema, see api-schemas.ts) and is
 * referenced as `{ $ref: 'Name#' }`, so /docs/json lists it under components/schemas and fast-json-stringify
 * serializes through the same schema. The references keep the TypeBox static type, so handlers stay checked.
 */
import Type, { type Static, type TSchema, type TUnsafe } from 'typebox';

/** The `$id` a named schema is registered under; a schema without one is a mistake in this file's callers. */
export function schemaId(schema: TSchema): string {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error(`schema ${JSON.stringify(schema).slice(0, 80)} has no $id to refer to`);
  return id;
}

/** A reference to a named schema, typed as the schema. */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  return Type.Unsafe<Static<T>>({ $ref: `${schemaId(schema)}#` });
}

/**
 * A route's response: the named schema, what the answer means (the OpenAPI response description) and an example
 * (shown in /docs; the OpenAPI linter checks it against the schema).
 */
export function answer<T extends TSchema>(schema: T, description: string, example: Static<T>): TUnsafe<Static<T>> {
  return Type.Unsafe<Static<T>>({ $ref: `${schemaId(schema)}#`, description, examples: [example] });
}
