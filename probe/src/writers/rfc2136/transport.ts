/**
 * One request/response exchange with the primary over UDP (falling back to
 * TCP when the answer is truncated) or TCP only. A UDP datagram is accepted
 * only from the server's exact address and port, with our ID and QR set
 * (RFC 5452); anything else is ignored and we keep waiting. Every path ends
 * in a result within `timeoutMs`: the exchange never hangs and never throws.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { decodeHeader, FrameReader, frameMessage, peekId } from '@propwatch/dns';

export type TransportKind = 'udp' | 'tcp';

export interface ExchangeOptions {
  address: string;
  port: number;
  transport: TransportKind;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Monotonic clock for the arrival time; `performance.now` by default. */
  now?: () => number;
}

export type ExchangeResult =
  | { kind: 'response'; message: Buffer; receivedAt: number; via: TransportKind; ignored: number }
  | { kind: 'timeout'; via: TransportKind }
  | { kind: 'aborted' }
  | { kind: 'network'; via: TransportKind; message: string };

type Done = (result: ExchangeResult) => void;

/** Sends `request` and waits for the answer with the same ID. */
export async function exchange(request: Buffer, options: ExchangeOptions): Promise<ExchangeResult> {
  if (options.transport === 'tcp') return exchangeTcp(request, options);
  const result = await exchangeUdp(request, options);
  if (result.kind === 'response' && isTruncated(result.message)) {
    // TC=1: the answer did not fit a datagram; ask again over TCP (RFC 1035 §4.2.1).
    return exchangeTcp(request, options);
  }
  return result;
}

/** TC=1 (the caller has checked the header is there). */
function isTruncated(message: Buffer): boolean {
  const decoded = decodeHeader(message);
  return decoded.ok && decoded.header.tc;
}

/** Runs `start` with a timer and abort handling that all settle exactly once. */
function settleOnce(
  options: ExchangeOptions,
  via: TransportKind,
  start: (done: Done) => () => void,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) return resolve({ kind: 'aborted' });
    let cleanup: () => void = () => {};
    let settled = false;
    const onAbort = () => done({ kind: 'aborted' });
    const timer = setTimeout(() => done({ kind: 'timeout', via }), options.timeoutMs);
    const done: Done = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      cleanup();
      resolve(result);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    cleanup = start(done);
    if (settled) cleanup();
  });
}

/** The address as the OS reports senders (`0:0::1` → `::1`), so the source check compares like with like. */
function canonicalAddress(address: string): string {
  return new net.SocketAddress({ address, family: net.isIPv6(address) ? 'ipv6' : 'ipv4' }).address;
}

function exchangeUdp(request: Buffer, options: ExchangeOptions): Promise<ExchangeResult> {
  const now = options.now ?? (() => performance.now());
  const id = peekId(request);
  const server = canonicalAddress(options.address);
  return settleOnce(options, 'udp', (done) => {
    const socket = dgram.createSocket(net.isIPv6(options.address) ? 'udp6' : 'udp4');
    let ignored = 0;
    socket.on('error', (error) => done({ kind: 'network', via: 'udp', message: error.message }));
    socket.on('message', (message, remote) => {
      const receivedAt = now();
      const fromServer = remote.address === server && remote.port === options.port;
      const header = decodeHeader(message);
      if (!fromServer || !header.ok || header.header.id !== id || !header.header.qr) {
        ignored++;
        return;
      }
      done({ kind: 'response', message, receivedAt, via: 'udp', ignored });
    });
    socket.send(request, options.port, options.address, (error) => {
      if (error) done({ kind: 'network', via: 'udp', message: error.message });
    });
    return () => socket.close();
  });
}

function exchangeTcp(request: Buffer, options: ExchangeOptions): Promise<ExchangeResult> {
  const now = options.now ?? (() => performance.now());
  const id = peekId(request);
  let frame: Buffer;
  try {
    frame = frameMessage(request);
  } catch (error) {
    return Promise.resolve({ kind: 'network', via: 'tcp', message: (error as Error).message });
  }
  return settleOnce(options, 'tcp', (done) => {
    const socket = net.connect({ host: options.address, port: options.port });
    const frames = new FrameReader();
    socket.on('error', (error) => done({ kind: 'network', via: 'tcp', message: error.message }));
    socket.on('close', () =>
      done({ kind: 'network', via: 'tcp', message: 'connection closed before a response arrived' }),
    );
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk: Buffer) => {
      const message = frames.push(chunk)[0];
      if (message === undefined) return;
      const header = decodeHeader(message);
      if (!header.ok || header.header.id !== id) {
        // On TCP nobody else can inject; a wrong ID is a broken server.
        done({ kind: 'network', via: 'tcp', message: 'TCP response has a different ID than the request' });
        return;
      }
      done({ kind: 'response', message: Buffer.from(message), receivedAt: now(), via: 'tcp', ignored: 0 });
    });
    return () => socket.destroy();
  });
}
