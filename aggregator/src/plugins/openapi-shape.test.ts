import { expect, test } from 'vitest';
import { addResponseExamples, mergeLiteralUnions, openReadRoutes } from './openapi-shape.js';

test('a union of string literals becomes one enum, keeping its description; other unions stay as they are', () => {
  const one = (value: string) => ({ type: 'string', enum: [value] });
  const document = {
    state: { anyOf: [one('ok'), one('alarm')], description: 'the state' },
    nullable: { anyOf: [one('ok'), { type: 'null' }] },
    described: { anyOf: [one('ok'), { ...one('alarm'), description: 'a literal with its own words' }] },
    nested: [{ anyOf: [one('a'), one('b'), one('c')] }],
  };
  expect(mergeLiteralUnions(document)).toEqual({
    state: { type: 'string', enum: ['ok', 'alarm'], description: 'the state' },
    nullable: document.nullable,
    described: document.described,
    nested: [{ type: 'string', enum: ['a', 'b', 'c'] }],
  });
  // A copy: the generated document is left as it was.
  expect(document.state.anyOf).toHaveLength(2);
});

test('open read routes allow no credentials; other security is left alone', () => {
  const document = {
    paths: {
      '/api/v1/status': { get: { security: [{ readToken: [] }] } },
      '/api/v1/rounds': { post: { security: [{ probeToken: [] }] } },
      '/healthz': { get: { security: [] } },
    },
  };
  expect(openReadRoutes(document).paths).toEqual({
    '/api/v1/status': { get: { security: [{ readToken: [] }, {}] } },
    '/api/v1/rounds': { post: { security: [{ probeToken: [] }] } },
    '/healthz': { get: { security: [] } },
  });
});

test('declared examples go to the media type of the response with the same status (4xx declared, 4XX written)', () => {
  const media = () => ({ 'application/json': { schema: { $ref: '#/components/schemas/Error' } } });
  const document = {
    paths: { '/x': { get: { responses: { '200': { content: media() }, '4XX': { content: media() } } } } },
  };
  const declared = new Map([['GET /x', { 200: { examples: [{ a: 1 }, { a: 2 }] }, '4xx': { examples: [{ e: 1 }] } }]]);
  const { responses } = addResponseExamples(document, declared).paths['/x'].get;
  expect(responses['200'].content['application/json']).toMatchObject({ example: { a: 1 } });
  expect(responses['4XX'].content['application/json']).toMatchObject({ example: { e: 1 } });
});
