/** Stand-in aggregator replicas on loopback for the failover tests: each records what it got and answers as told. */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a replica does with a request: an HTTP answer, a reset connection, or no answer at all. */
export type ReplicaAnswer =
  | { status: number; headers?: Record<string, string>; body?: string | (() => AsyncIterable<Buffer>) }
  | 'reset'
  | 'hang';

export interface Replica {
  url: string;
  /** Raw bodies received, in order (also of requests it then failed). */
  bodies: string[];
  headers: IncomingHttpHeaders[];
  answer: (body: string) => ReplicaAnswer;
  close(): Promise<void>;
}

/** A replica that stores nothing and answers 200 `{"ok":true}` until `answer` is replaced. */
export async function startReplica(): Promise<Replica> {
  const replica: Replica = {
    url: '',
    bodies: [],
    headers: [],
    answer: () => ({ status: 200, body: '{"ok":true}' }),
    close: () => close(server),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      replica.bodies.push(body);
      replica.headers.push(request.headers);
      const answer = replica.answer(body);
      if (answer === 'hang') return;
      if (answer === 'reset') return void request.socket.resetAndDestroy();
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      if (typeof answer.body === 'function') {
        const source = answer.body();
        void (async () => {
          for await (const chunk of source) {
            if (response.destroyed) break;
            if (!response.write(chunk)) await Promise.race([once(response, 'drain'), once(response, 'close')]);
          }
          response.end();
        })();
      } else response.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  replica.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/rounds`;
  return replica;
}

/** A loopback URL nothing listens on (a port just given back): connecting is refused. */
export async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await close(server);
  return `http://127.0.0.1:${port}/api/v1/rounds`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
