import Fastify from 'fastify';
import Type from 'typebox';
import { expect, test } from 'vitest';
import { schemaSerializer } from './serialize-in-slices.js';

test('schemaSerializer compiles a named schema once per route, not once per request', async () => {
  const app = Fastify();
  let compiled = 0;
  app.setSerializerCompiler(() => {
    compiled += 1;
    return (value) => JSON.stringify(value);
  });
  const Thing = Type.Object({ name: Type.String() }, { $id: 'Thing' });
  app.addSchema(Thing);
  app.get('/things', async (_request, reply) => {
    const serialize = schemaSerializer(reply, Thing);
    return reply.type('application/json').send(`[${serialize({ name: 'a' })},${serialize({ name: 'b' })}]`);
  });
  for (let i = 0; i < 3; i++) expect((await app.inject('/things')).json()).toEqual([{ name: 'a' }, { name: 'b' }]);
  expect(compiled).toBe(1);
  await app.close();
});
