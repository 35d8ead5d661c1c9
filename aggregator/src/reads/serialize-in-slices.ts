/**
 * JSON for a long list, serialized a slice at a time with the event loop handed back between slices (a 1 MB
 * answer serialized at once held the loop for milliseconds). Each item goes through the route's own compiled
 * schema serializer, so the output is exactly what fastify would have sent.
 */
import type { FastifyReply } from 'fastify';
import type { TSchema } from 'typebox';

/** The route's compiled (fast-json-stringify) serializer for `schema`; fastify caches it per route. */
export function schemaSerializer(reply: FastifyReply, schema: TSchema): (value: unknown) => string {
  const serialize = reply.compileSerializationSchema(schema as unknown as Record<string, unknown>);
  return (value) => serialize(value as Record<string, unknown>);
}

export async function serializeInSlices<T>(
  items: readonly T[],
  serialize: (item: T) => string,
  options: { perSlice: number; turn: () => Promise<void> },
): Promise<string> {
  const parts: string[] = [];
  for (let start = 0; start < items.length; start += options.perSlice) {
    if (start > 0) await options.turn();
    for (const item of items.slice(start, start + options.perSlice)) parts.push(serialize(item));
  }
  return `[${parts.join(',')}]`;
}
