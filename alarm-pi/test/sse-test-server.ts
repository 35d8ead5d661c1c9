/**
 * A small aggregator stand-in on a loopback port for the stream client's
 * tests: `GET /api/v1/status` and `GET /api/v1/status/stream` as the
 * aggregator's contract describes them, with switches for every way a server
 * can misbehave. Plain node:http so the test controls every byte.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Status } from '@propwatch/shared';

export function statusBody(state: Status['state']): Status {
  const at = '2025-01-01T00:00:00.000Z';
  return {
    state,
    since: at,
    worstMs: null,
    thresholdMs: 30000,
    worst: null,
    probes: { fresh: 1, expected: 1 },
    reason: `it is ${state}`,
    updatedAt: at,
  };
}

export interface TestAggregator {
  url: string;
  /** What GET /api/v1/status answers and the first event of a stream carries. */
  status: unknown;
  /** `ok`: streams; `503`/`401`: both routes answer that; `no-stream`: the stream route answers 404. */
  mode: 'ok' | '503' | '401' | 'no-stream';
  polls: number;
  streamRequests: number;
  lastEventIds: Array<string | undefined>;
  authorizations: Array<string | undefined>;
  /** Open stream responses. */
  readonly streams: Set<ServerResponse>;
  /** Sends raw text to every open stream. */
  write(text: string): void;
  /** Sends a status event to every open stream. */
  push(status: unknown): void;
  /** Ends every open stream (the server closes the connection). */
  endStreams(): void;
  close(): Promise<void>;
}

export async function startTestAggregator(): Promise<TestAggregator> {
  let seq = 0;
  const streams = new Set<ServerResponse>();
  const event = (body: unknown) => `id: boot1-${++seq}\nevent: status\ndata: ${JSON.stringify(body)}\n\n`;
  const server = createServer((req, res) => {
    agg.authorizations.push(req.headers.authorization);
    if (agg.mode === '401') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'wrong read token' }));
      return;
    }
    if (agg.mode === '503') {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'replica down' }));
      return;
    }
    if (req.url === '/api/v1/status') {
      agg.polls++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(agg.status));
      return;
    }
    if (req.url === '/api/v1/status/stream' && agg.mode === 'ok') {
      agg.streamRequests++;
      const lastEventId = req.headers['last-event-id'];
      agg.lastEventIds.push(typeof lastEventId === 'string' ? lastEventId : undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(`retry: 1000\n\n${event(agg.status)}`);
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ statusCode: 404, error: 'Not Found', message: 'no such route' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agg: TestAggregator = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    status: statusBody('ok'),
    mode: 'ok',
    polls: 0,
    streamRequests: 0,
    lastEventIds: [],
    authorizations: [],
    streams,
    write: (text) => {
      for (const res of streams) res.write(text);
    },
    push: (status) => agg.write(event(status)),
    endStreams: () => {
      for (const res of streams) res.end();
    },
    close: async () => {
      for (const res of streams) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return agg;
}
