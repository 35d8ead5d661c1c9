/**
 * The sim's DNS transport on its own: it hands each query to the handler with
 * the sender's address, lets the handler answer whenever it likes (later, out
 * of order over TCP), and keeps its bounds. The handler here holds requests
 * until the test answers them, so "later" needs no clock.
 */
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { FrameReader, frameMessage } from '@propwatch/dns';
import { afterEach, describe, expect, it } from 'vitest';
import { DnsTransport, type DnsRequest, type DnsTransportOptions } from '../src/dns-transport.js';
import { bindUdp } from '../../test-support/index.js';
import { waitFor } from './wait-for.js';

let transport: DnsTransport | undefined;
const held: DnsRequest[] = [];
const errors: Error[] = [];
afterEach(async () => {
  await transport?.close();
  transport = undefined;
  held.length = 0;
  errors.length = 0;
});

async function start(options: Partial<DnsTransportOptions> = {}): Promise<DnsTransport> {
  transport = await DnsTransport.listen({
    address: '127.0.0.1',
    port: 0,
    handler: (request) => held.push(request),
    onError: (error) => errors.push(error),
    ...options,
  });
  return transport;
}

/** Everything the server sends on one connection until it closes, as messages. */
function tcpClient(port: number): { socket: Socket; received: Buffer[]; closed: Promise<void> } {
  const socket = connect({ host: '127.0.0.1', port });
  const frames = new FrameReader();
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(...frames.push(chunk)));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, received, closed };
}

describe('DnsTransport', () => {
  it('UDP: tells the handler who asked, and sends an answer given later to that address and port', async () => {
    const server = await start();
    const client = await bindUdp('127.0.0.1', 0);
    const answers: Buffer[] = [];
    client.on('message', (message, rinfo) => {
      expect(rinfo.port).toBe(server.port);
      answers.push(message);
    });
    client.send(Buffer.from('first'), server.port, '127.0.0.1');
    client.send(Buffer.from('second'), server.port, '127.0.0.1');
    await waitFor(() => held.length === 2, 'both datagrams handed over');
    expect(held.map((r) => [r.message.toString(), r.transport, r.remote])).toEqual([
      ['first', 'udp', { address: '127.0.0.1', port: client.address().port }],
      ['second', 'udp', { address: '127.0.0.1', port: client.address().port }],
    ]);
    held[1]!.answer(Buffer.from('answer 2'));
    held[0]!.answer(Buffer.from('answer 1'));
    held[0]!.answer(Buffer.from('a second answer to the same query is dropped'));
    await waitFor(() => answers.length === 2, 'both answers');
    expect(answers.map(String)).toEqual(['answer 2', 'answer 1']);
    client.close();
  });

  it('TCP: pipelined queries answered out of order, then a half-close once every query is settled', async () => {
    const server = await start();
    const { socket, received, closed } = tcpClient(server.port);
    socket.end(Buffer.concat(['q1', 'q2', 'q3'].map((q) => frameMessage(Buffer.from(q)))));
    await waitFor(() => held.length === 3, 'three frames handed over');
    expect(held.every((r) => r.transport === 'tcp' && r.remote.port === socket.localPort)).toBe(true);
    held[2]!.answer(Buffer.from('a3'));
    held[0]!.answer(Buffer.from('a1'));
    await waitFor(() => received.length === 2, 'two answers');
    held[1]!.ignore();
    await closed;
    expect(received.map(String)).toEqual(['a3', 'a1']);
  });

  it('TCP: a rejected frame closes the connection after the answers already written; later frames are not read', async () => {
    const server = await start({
      handler: (request) => (request.message.toString() === 'bad' ? request.reject() : request.answer(request.message)),
    });
    const { socket, received, closed } = tcpClient(server.port);
    socket.write(Buffer.concat(['ok', 'bad', 'never'].map((q) => frameMessage(Buffer.from(q)))));
    await closed;
    expect(received.map(String)).toEqual(['ok']);
  });

  it('TCP: a stream that ends inside a frame is reported and closed', async () => {
    const server = await start();
    const { socket, closed } = tcpClient(server.port);
    socket.end(Buffer.from([0x01, 0x00, 1, 2, 3]));
    await closed;
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('ended inside a message (5 bytes)')]);
    expect(held).toHaveLength(0);
  });

  it('TCP: refuses connections beyond maxConnections and closes idle ones', async () => {
    const server = await start({ maxConnections: 1, idleTimeoutMs: 50 });
    const first = tcpClient(server.port);
    await new Promise((resolve) => first.socket.once('connect', resolve));
    const second = tcpClient(server.port);
    await second.closed;
    expect(errors.map((e) => e.message)).toContain('TCP connection refused: 1 already open');
    // The first one sends nothing and is closed by the idle timeout.
    await first.closed;
  });

  it('drops answers given after close, and survives a handler that throws', async () => {
    const server = await start({
      handler: (request) => {
        if (request.message.toString() === 'boom') throw new Error('handler bug');
        held.push(request);
      },
    });
    const client = createSocket('udp4');
    const answers: string[] = [];
    client.on('message', (message) => answers.push(String(message)));
    client.send(Buffer.from('boom'), server.port, '127.0.0.1');
    client.send(Buffer.from('fine'), server.port, '127.0.0.1');
    await waitFor(() => held.length === 1, 'the query after the throwing one handed over');
    expect(errors.map((e) => e.message)).toEqual(['handler bug']);
    held[0]!.answer(Buffer.from('answered'));
    await waitFor(() => answers.length === 1, 'the answer');
    client.send(Buffer.from('late'), server.port, '127.0.0.1');
    await waitFor(() => held.length === 2, 'the late query handed over');
    await server.close();
    transport = undefined;
    expect(() => held[1]!.answer(Buffer.from('after close'))).not.toThrow();
    client.close();
    expect(answers).toEqual(['answered']);
  });
});
