/**
 * Fastify validator compiler on TypeBox's own compiler (fast, and it rejects
 * unknown fields instead of silently stripping them as fastify's default Ajv
 * setup does). Failures become one precise 400 message, worded by the shared
 * describeSchemaErrors like every other schema error in propwatch.
 */
import type { FastifySchemaCompiler } from 'fastify';
import { describeSchemaErrors } from '@propwatch/shared';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

const DATA_VAR: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const part = DATA_VAR[httpPart ?? 'body'] ?? httpPart ?? 'body';
  return (input: unknown) => {
    // Query strings and headers arrive as text; bodies are JSON and must already have the right types.
    const value = httpPart === 'body' ? input : Value.Convert(schema, input);
    if (check.Check(value)) return { value };
    return { error: new Error(describeSchemaErrors(schema, value, check.Errors(value), part)) };
  };
};
