/**
 * Long JSON answers built and sent in pieces: each item serialized by the route's own compiled schema
 * serializer (so the output is what fastify would have sent), a slice at a time with the event loop handed
 * back between slices, and streamed rather than joined (a 1 MB answer serialized and written at once held
 * the loop for milliseconds).
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { TSchema } from 'typebox';

/**
 * fastify takes a schema as a string-keyed record; TypeBox's schema interfaces declare no index signature. One
 * shallow copy per schema object, so fastify's per-schema cache of compiled serializers keeps hitting.
 */
const records = new WeakMap<TSchema, Record<string, unknown>>();
function schemaRecord(schema: TSchema): Record<string, unknown> {
  let record = records.get(schema);
  if (!record) records.set(schema, (record = { ...schema }));
  return record;
}

/**
 * One `{ $ref }` object per named schema: fastify caches compiled serializers by the schema object's identity, so
 * a new reference object per call compiled the schema again on every request.
 */
const references = new Map<string, Record<string, unknown>>();
function referenceTo(id: string): Record<string, unknown> {
  let reference = references.get(id);
  if (!reference) references.set(id, (reference = { $ref: `${id}#` }));
  return reference;
}

/** The route's compiled (fast-json-stringify) serializer for `schema`; fastify caches it per route. */
export function schemaSerializer(reply: FastifyReply, schema: TSchema): (value: unknown) => string {
  // A named schema is registered with the app (routes/api-schemas.ts): compile a reference to it, not a second copy.
  const id = '$id' in schema ? schema.$id : undefined;
  const compiled = typeof id === 'string' ? referenceTo(id) : schemaRecord(schema);
  const serialize = reply.compileSerializationSchema(compiled);
  return (value) => serialize(value as Record<string, unknown>);
}

/** Each item of a long list serialized, a slice at a time with the event loop handed back between slices. */
export async function serializeInSlices<T>(
  items: readonly T[],
  serialize: (item: T) => string,
  options: { perSlice: number; turn: () => Promise<void> },
): Promise<string[]> {
  const parts: string[] = [];
  for (let start = 0; start < items.length; start += options.perSlice) {
    if (start > 0) await options.turn();
    for (const item of items.slice(start, start + options.perSlice)) parts.push(serialize(item));
  }
  return parts;
}

/** `[a,b,…]` as pieces, for sendJson: the list is never joined into one string. */
export function* jsonList(parts: readonly string[]): Generator<string> {
  yield '[';
  for (let i = 0; i < parts.length; i++) yield i === 0 ? parts[i]! : `,${parts[i]}`;
  yield ']';
}

/**
 * Sends JSON given as pieces, as a stream: the socket takes them as it drains, instead of one joined string of
 * a megabyte written in one go. (A stream bypasses the route's serializer: the pieces already went through it.)
 */
export function sendJson(reply: FastifyReply, pieces: Iterable<string>): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(Readable.from(pieces, { objectMode: false }));
}
