/**
 * Every connection has a deadline (issue 12, item 5), over real sockets: the
 * aggregator listens on port 0 and a raw TCP client trickles bytes. Each test
 * asserts that the server closed the connection (its FIN arrived while the
 * client still had bytes to send) and what it answered, never how long it took.
 */
import { type Socket, connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect, test } from 'vitest';
import { READ_TOKEN, TOKENS, buildTestApp } from './helpers.js';

const apps: { cleanup: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.cleanup();
});

const SHORT = { requestTimeoutMs: 400, headersTimeoutMs: 300, keepAliveTimeoutMs: 200, idleTimeoutMs: 5_000 };

async function listening(overrides: Record<string, unknown> = {}): Promise<{ app: FastifyInstance; port: number }> {
  const t = buildTestApp({ readToken: READ_TOKEN, ...overrides });
  apps.push(t);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { app: t.app, port: address.port };
}

interface Trickle {
  /** What the server sent before it closed. */
  answer: string;
  /** Bytes of `trickle` the client had sent when the server closed; -1 if the server never closed. */
  sentWhenClosed: number;
}

/**
 * Sends `head` at once, then one byte of trickle every `everyMs`, up to `maxBytes`. Resolves when the server
 * closes the connection (FIN or reset), or with sentWhenClosed -1 once every byte went out and the
 * connection is still open — the client gave up, the server never would have.
 */
function trickle(port: number, head: string, options: { maxBytes: number; everyMs: number }): Promise<Trickle> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let answer = '';
    let sent = 0;
    let done = false;
    const finish = (sentWhenClosed: number) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      socket.destroy();
      resolve({ answer, sentWhenClosed });
    };
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('end', () => finish(sent));
    socket.on('error', () => finish(sent));
    socket.on('close', () => finish(sent));
    if (head) socket.write(head);
    const timer = setInterval(() => {
      if (sent >= options.maxBytes) return finish(-1);
      socket.write('x');
      sent += 1;
    }, options.everyMs);
  });
}

const ingestHead = (authorization: string | null, length = 1_000_000) =>
  [
    'POST /api/v1/rounds HTTP/1.1',
    'Host: aggregator',
    ...(authorization === null ? [] : [`Authorization: ${authorization}`]),
    'Content-Type: application/json',
    `Content-Length: ${length}`,
    '',
    '',
  ].join('\r\n');

const statusLine = (answer: string) => answer.split('\r\n', 1)[0];
const header = (answer: string, name: string) =>
  new RegExp(`^${name}: *(.*)$`, 'im').exec(answer.split('\r\n\r\n', 1)[0] ?? '')?.[1]?.trim();

test('a body trickled by an authenticated probe is cut off by http.requestTimeoutMs with a 408', async () => {
  const { port } = await listening({ http: SHORT });
  const result = await trickle(port, ingestHead(`Bearer ${TOKENS.p1}`), { maxBytes: 200, everyMs: 20 });
  expect(result.sentWhenClosed, 'the server never closed the connection').toBeGreaterThanOrEqual(0);
  expect(result.sentWhenClosed).toBeLessThan(200);
  expect(statusLine(result.answer)).toBe('HTTP/1.1 408 Request Timeout');
});

test('headers trickled byte by byte are cut off by http.headersTimeoutMs', async () => {
  const { port } = await listening({ http: SHORT });
  const result = await trickle(port, 'POST /api/v1/rounds HTTP/1.1\r\nX-Slow: ', { maxBytes: 200, everyMs: 20 });
  expect(result.sentWhenClosed, 'the server never closed the connection').toBeGreaterThanOrEqual(0);
  expect(result.sentWhenClosed).toBeLessThan(200);
  expect(statusLine(result.answer)).toBe('HTTP/1.1 408 Request Timeout');
});

test('a connection that never sends a byte is closed', async () => {
  const { port } = await listening({ http: SHORT });
  // Nothing is sent at all: the client just waits (the trickled bytes go nowhere useful: no request line ends).
  const result = await trickle(port, '', { maxBytes: 0, everyMs: 2_000 });
  expect(result.sentWhenClosed).toBe(0);
});

test('an idle keep-alive connection is closed after http.keepAliveTimeoutMs', async () => {
  const { port } = await listening({ http: SHORT });
  const request = `GET /healthz HTTP/1.1\r\nHost: aggregator\r\nConnection: keep-alive\r\n\r\n`;
  // One request, then silence (a byte every 2 s would be the next request's start; the first is never due).
  const result = await trickle(port, request, { maxBytes: 0, everyMs: 10_000 });
  expect(result.sentWhenClosed).toBe(0);
  expect(statusLine(result.answer)).toBe('HTTP/1.1 200 OK');
});

test.each([
  ['no token', null, 401, 'missing bearer token'],
  ['an unknown token', 'Bearer not-a-known-token-at-all', 401, 'unknown probe token'],
  ['the read token', `Bearer ${READ_TOKEN}`, 403, 'read token'],
])(
  'ingest with %s is refused before its body is read, with connection: close (default timeouts)',
  async (_name, authorization, status, message) => {
    // Default timeouts (30 s): only the refusal itself can close this connection within the test.
    const { port } = await listening();
    const result = await trickle(port, ingestHead(authorization), { maxBytes: 100, everyMs: 20 });
    expect(result.sentWhenClosed, 'the server kept reading the refused body').toBeGreaterThanOrEqual(0);
    expect(result.sentWhenClosed).toBeLessThan(100);
    expect(statusLine(result.answer)).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(header(result.answer, 'connection')).toBe('close');
    expect(result.answer).toContain(message);
  },
);

test('a rate-limited probe is refused before its body is read, with connection: close', async () => {
  const { port } = await listening({ ingest: { reportsPerSecond: 0.001, burst: 1 } });
  const body = '{}';
  // The first report takes the only token (and is a 400: the body is no report); the second is over the limit.
  const first = await trickle(port, ingestHead(`Bearer ${TOKENS.p1}`, body.length) + body, {
    maxBytes: 100,
    everyMs: 20,
  });
  expect(statusLine(first.answer)).toBe('HTTP/1.1 400 Bad Request');
  const second = await trickle(port, ingestHead(`Bearer ${TOKENS.p1}`), { maxBytes: 100, everyMs: 20 });
  expect(second.sentWhenClosed).toBeGreaterThanOrEqual(0);
  expect(second.sentWhenClosed).toBeLessThan(100);
  expect(statusLine(second.answer)).toBe('HTTP/1.1 429 Too Many Requests');
  expect(header(second.answer, 'connection')).toBe('close');
});

test('http.headersTimeoutMs above http.requestTimeoutMs is a config error naming both keys', async () => {
  expect(() => buildTestApp({ http: { requestTimeoutMs: 1_000, headersTimeoutMs: 2_000 } })).toThrow(
    /http\.headersTimeoutMs.*<= http\.requestTimeoutMs \(1000\)/,
  );
});
