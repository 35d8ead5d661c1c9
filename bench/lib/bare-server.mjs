#!/usr/bin/env node
/** The baseline: a bare fastify app whose one route returns a constant. Prints {"port"} when listening. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
const body = { state: 'ok' };
app.get('/constant', async () => body);
await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ port: app.server.address().port }));
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
