import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBoundedText } from './read-bounded-text.js';

let server: Server;
let base: string;
let hugeBytesWritten = 0;
let hugeClosed: Promise<void> | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/small') return response.end('héllo');
    // An endless body: the server writes until the client goes away.
    hugeClosed = new Promise((resolve) => response.once('close', resolve));
    response.writeHead(500, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = () => {
      while (!response.destroyed && hugeBytesWritten < 1024 * 1024 * 1024) {
        hugeBytesWritten += chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
      response.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('readBoundedText', () => {
  it('reads a small body whole', async () => {
    expect(await readBoundedText(await fetch(`${base}/small`), 1000)).toEqual({ text: 'héllo', truncated: false });
  });

  it('stops at the bound and cancels an endless body', async () => {
    const { text, truncated } = await readBoundedText(await fetch(`${base}/huge`), 4096);
    expect(truncated).toBe(true);
    expect(text).toBe('x'.repeat(4096));
    // The server stopped long before its gigabyte: the client went away.
    await hugeClosed;
    expect(hugeBytesWritten).toBeLessThan(64 * 1024 * 1024);
  });

  it('a response without a body reads as empty', async () => {
    expect(await readBoundedText(new Response(null, { status: 204 }), 10)).toEqual({ text: '', truncated: false });
  });
});
