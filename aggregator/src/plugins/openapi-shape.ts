/** Pure rewrites of the generated OpenAPI document (docs-plugin.ts): what @fastify/swagger cannot be told. */

/** The security scheme of the read routes: `security: [{ readToken: [] }]` in their schemas. */
export const READ_TOKEN_SCHEME = 'readToken';
/** A read route's `security`, for its schema. */
export const READ_SECURITY = [{ [READ_TOKEN_SCHEME]: [] }];

type Json = unknown;

/** One string literal as @fastify/swagger writes it (`{ type: 'string', enum: [value] }`), or null. */
function literal(schema: Json): string | null {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return null;
  const { type, enum: values, ...rest } = schema as Record<string, unknown>;
  if (type !== 'string' || !Array.isArray(values) || values.length !== 1 || Object.keys(rest).length > 0) return null;
  return typeof values[0] === 'string' ? values[0] : null;
}

/**
 * A TypeBox union of string literals (`state`, `outcome`, …) arrives as `anyOf` of one-value enums; clients and
 * generators want one `enum`. Rewrites every such `anyOf` in a copy of `document`, keeping its description.
 */
export function mergeLiteralUnions<T>(document: T): T {
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.entries(node as Record<string, unknown>).map(([key, value]) => [key, walk(value)] as const);
    const copy = Object.fromEntries(entries) as Record<string, unknown>;
    const { anyOf, ...rest } = copy;
    if (!Array.isArray(anyOf) || anyOf.length < 2) return copy;
    const values = anyOf.map(literal);
    if (values.some((value) => value === null)) return copy;
    return { type: 'string', enum: values, ...rest };
  };
  return walk(document) as T;
}

/** Without a read token the read routes are open: each read operation also allows no credentials (`{}`). */
export function openReadRoutes<T>(document: T): T {
  const copy = structuredClone(document) as { paths?: Record<string, Record<string, { security?: unknown[] }>> };
  for (const operations of Object.values(copy.paths ?? {}))
    for (const operation of Object.values(operations)) {
      const security = operation.security;
      if (security?.length === 1 && JSON.stringify(security) === JSON.stringify(READ_SECURITY))
        operation.security = [...security, {}];
    }
  return copy as T;
}

/** Each route's response schemas by `METHOD /url`, as declared (examples included): see addResponseExamples. */
export type DeclaredResponses = Map<string, Record<string, unknown>>;

/**
 * A response that references a named schema loses the `examples` declared beside the `$ref` (routes use
 * `answer()`): put each first example back, as the response's media-type `example`, in a copy of `document`.
 */
export function addResponseExamples<T>(document: T, declared: DeclaredResponses): T {
  type Operation = { responses?: Record<string, { content?: Record<string, { example?: unknown }> }> };
  const copy = structuredClone(document) as { paths?: Record<string, Record<string, Operation>> };
  for (const [path, operations] of Object.entries(copy.paths ?? {}))
    for (const [method, operation] of Object.entries(operations)) {
      const responses = declared.get(`${method.toUpperCase()} ${path}`) ?? {};
      for (const [code, schema] of Object.entries(responses)) {
        const examples = (schema as { examples?: unknown }).examples;
        const content = operation.responses?.[code.toUpperCase()]?.content;
        if (!Array.isArray(examples) || examples.length === 0 || !content) continue;
        for (const media of Object.values(content)) media.example ??= examples[0];
      }
    }
  return copy as T;
}
