import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudflareWriter } from '../src/writers/cloudflare/cloudflare-writer.js';
import { parseRetryAfter } from '../src/writers/cloudflare/api-client.js';

interface Rec {
  id: string;
  type: string;
  name: string;
  content: string;
  ttl: number;
}

/** A scripted Cloudflare v4 stand-in: the real envelope, and failures queued per test. */
async function startCloudflareStub(token = 'cf-token-123456') {
  const records = new Map<string, Rec>();
  const failures: Array<{ status: number; code: number; message: string; retryAfter?: string }> = [];
  const calls: string[] = [];
  let next = 1;
  const app: FastifyInstance = Fastify();
  const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });
  app.addHook('onRequest', async (request, reply) => {
    calls.push(`${request.method} ${request.url.split('?')[0]}`);
    if (request.headers.authorization !== `Bearer ${token}`)
      return reply.code(403).send({
        success: false,
        errors: [{ code: 10000, message: 'Authentication error' }],
        messages: [],
        result: null,
      });
    const failure = failures.shift();
    if (failure) {
      if (failure.retryAfter) reply.header('retry-after', failure.retryAfter);
      return reply.code(failure.status).send({
        success: false,
        errors: [{ code: failure.code, message: failure.message }],
        messages: [],
        result: null,
      });
    }
  });
  app.get('/client/v4/zones', async () => envelope([{ id: 'zone123', name: 'propwatch.test' }]));
  app.get<{ Querystring: { name?: string; type?: string } }>('/client/v4/zones/:zone/dns_records', async (request) =>
    envelope([...records.values()].filter((r) => r.name === request.query.name && r.type === request.query.type)),
  );
  app.post<{ Body: Omit<Rec, 'id'> }>('/client/v4/zones/:zone/dns_records', async (request) => {
    const rec = { ...request.body, id: `rec${next++}` };
    records.set(rec.id, rec);
    return envelope(rec);
  });
  app.patch<{ Params: { id: string }; Body: Partial<Rec> }>(
    '/client/v4/zones/:zone/dns_records/:id',
    async (request, reply) => {
      const rec = records.get(request.params.id);
      if (!rec)
        return reply.code(404).send({
          success: false,
          errors: [{ code: 81044, message: 'Record does not exist.' }],
          messages: [],
          result: null,
        });
      Object.assign(rec, request.body);
      return envelope(rec);
    },
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, records, failures, calls, baseUrl: `http://127.0.0.1:${port}/client/v4`, token };
}

const change = {
  name: 'p1._propwatch.propwatch.test',
  zone: 'propwatch.test',
  content: 'propwatch=1 serial=1 probe=p1',
  ttl: 60,
};
const noSleep = async () => {};
let stub: Awaited<ReturnType<typeof startCloudflareStub>>;
afterEach(async () => stub?.app.close());

function writerFor(overrides: Partial<ConstructorParameters<typeof CloudflareWriter>[0]> = {}, sleeps: number[] = []) {
  return new CloudflareWriter(
    {
      apiBaseUrl: stub.baseUrl,
      apiToken: stub.token,
      timeoutMs: 2000,
      maxRetries: 3,
      maxRetryAfterMs: 30_000,
      ...overrides,
    },
    { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
  );
}

describe('CloudflareWriter', () => {
  it('looks up the zone, creates the record once, then updates it in place', async () => {
    stub = await startCloudflareStub();
    const writer = writerFor();
    const first = await writer.write(change);
    expect(first).toMatchObject({ ok: true });
    expect(first.ok && first.submitToAckMs).toBeGreaterThan(0);
    const second = await writer.write({ ...change, content: 'propwatch=1 serial=2 probe=p1' });
    expect(second.ok).toBe(true);
    expect([...stub.records.values()]).toEqual([
      { id: 'rec1', type: 'TXT', name: change.name, content: 'propwatch=1 serial=2 probe=p1', ttl: 60 },
    ]);
    expect(stub.calls).toEqual([
      'GET /client/v4/zones',
      'GET /client/v4/zones/zone123/dns_records',
      'POST /client/v4/zones/zone123/dns_records',
      'PATCH /client/v4/zones/zone123/dns_records/rec1',
    ]);
  });

  it('finds an existing canary after a restart instead of creating a duplicate', async () => {
    stub = await startCloudflareStub();
    stub.records.set('old', {
      id: 'old',
      type: 'TXT',
      name: change.name,
      content: '"propwatch=1 serial=0 probe=p1"',
      ttl: 60,
    });
    stub.records.set('spf', { id: 'spf', type: 'TXT', name: change.name, content: 'v=spf1 -all', ttl: 60 });
    expect((await writerFor({ zoneId: 'zone123' }).write(change)).ok).toBe(true);
    expect(stub.records.get('old')?.content).toBe(change.content);
    expect(stub.records.get('spf')?.content).toBe('v=spf1 -all');
    expect(stub.records.size).toBe(2);
  });

  it('recreates the record when someone deleted it', async () => {
    stub = await startCloudflareStub();
    const writer = writerFor({ zoneId: 'zone123' });
    await writer.write(change);
    stub.records.clear();
    expect((await writer.write(change)).ok).toBe(true);
    expect(stub.records.size).toBe(1);
  });

  it('waits out 429 with Retry-After and retries 5xx with backoff', async () => {
    stub = await startCloudflareStub();
    stub.failures.push({
      status: 429,
      code: 971,
      message: 'Please wait and consider throttling your request speed',
      retryAfter: '2',
    });
    stub.failures.push({ status: 502, code: 0, message: 'bad gateway' });
    const sleeps: number[] = [];
    const result = await writerFor({ zoneId: 'zone123' }, sleeps).write(change);
    expect(result.ok).toBe(true);
    expect(sleeps[0]).toBe(2000);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up after the bounded retries with the Cloudflare code in the error', async () => {
    stub = await startCloudflareStub();
    for (let i = 0; i < 4; i++) stub.failures.push({ status: 503, code: 1015, message: 'temporarily unavailable' });
    const result = await writerFor({ zoneId: 'zone123' }).write(change);
    expect(result).toMatchObject({ ok: false, code: 'cloudflare:1015', retryable: true });
    expect(!result.ok && result.error).toContain('HTTP 503: 1015 temporarily unavailable');
  });

  it('does not wait for a Retry-After longer than allowed', async () => {
    stub = await startCloudflareStub();
    stub.failures.push({ status: 429, code: 971, message: 'slow down', retryAfter: '3600' });
    const sleeps: number[] = [];
    const result = await writerFor({ zoneId: 'zone123', maxRetryAfterMs: 10_000 }, sleeps).write(change);
    expect(result).toMatchObject({ ok: false, code: 'cloudflare:971' });
    expect(sleeps).toEqual([]);
  });

  it('reports a bad token without retrying and without echoing the token', async () => {
    stub = await startCloudflareStub();
    const sleeps: number[] = [];
    const result = await writerFor({ apiToken: 'wrong-token-abcdef', zoneId: 'zone123' }, sleeps).write(change);
    expect(result).toMatchObject({ ok: false, code: 'cloudflare:10000', retryable: false });
    expect(!result.ok && result.error).toContain('10000 Authentication error');
    expect(JSON.stringify(result)).not.toContain('wrong-token-abcdef');
    expect(sleeps).toEqual([]);
  });

  it('reports an unreachable API as a retryable network failure', async () => {
    stub = await startCloudflareStub();
    const writer = new CloudflareWriter(
      {
        apiBaseUrl: 'http://127.0.0.1:1/client/v4',
        apiToken: 't',
        zoneId: 'z',
        timeoutMs: 500,
        maxRetries: 1,
        maxRetryAfterMs: 0,
      },
      { sleep: noSleep },
    );
    expect(await writer.write(change)).toMatchObject({ ok: false, code: 'network', retryable: true });
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('5')).toBe(5000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter(null)).toBe(1000);
  });
});
