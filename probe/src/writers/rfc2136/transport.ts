/**
 * One request/response exchange with the primary over UDP (falling back to
 * TCP when the answer is truncated) or TCP only. A UDP datagram is accepted
 * only from the server's exact address and port, with our ID and QR set
 * (RFC 5452); anything else is ignored and we keep waiting. Every path ends
 * in a result within `timeoutMs`: the exchange never hangs and never throws.
 */
import dgram from 'node:dgram';
import net from 'node:net';

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
  if (result.kind === 'response' && (result.message.readUInt16BE(2) & 0x0200) !== 0) {
    // TC=1: the answer did not fit a datagram; ask again over TCP (RFC 1035 §4.2.1).
    return exchangeTcp(request, options);
  }
  return result;
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
  const id = request.readUInt16BE(0);
  const server = canonicalAddress(options.address);
  return settleOnce(options, 'udp', (done) => {
    const socket = dgram.createSocket(net.isIPv6(options.address) ? 'udp6' : 'udp4');
    let ignored = 0;
    socket.on('error', (error) => done({ kind: 'network', via: 'udp', message: error.message }));
    socket.on('message', (message, remote) => {
      const receivedAt = now();
      const fromServer = remote.address === server && remote.port === options.port;
      if (!fromServer || message.length < 12 || message.readUInt16BE(0) !== id || (message[2]! & 0x80) === 0) {
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
  const id = request.readUInt16BE(0);
  return settleOnce(options, 'tcp', (done) => {
    const socket = net.connect({ host: options.address, port: options.port });
    let buffered = Buffer.alloc(0);
    socket.on('error', (error) => done({ kind: 'network', via: 'tcp', message: error.message }));
    socket.on('close', () =>
      done({ kind: 'network', via: 'tcp', message: 'connection closed before a response arrived' }),
    );
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(request.length, 0);
      socket.write(Buffer.concat([length, request]));
    });
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2) return;
      const size = buffered.readUInt16BE(0);
      if (buffered.length < 2 + size) return;
      const message = buffered.subarray(2, 2 + size);
      if (size < 12 || message.readUInt16BE(0) !== id) {
        // On TCP nobody else can inject; a wrong ID is a broken server.
        done({ kind: 'network', via: 'tcp', message: 'TCP response has a different ID than the request' });
        return;
      }
      done({ kind: 'response', message: Buffer.from(message), receivedAt: now(), via: 'tcp', ignored: 0 });
    });
    return () => socket.destroy();
  });
}
