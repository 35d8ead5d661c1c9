/**
 * A tiny DNS client for the tests: builds queries with @propwatch/dns and
 * sends them over node:dgram / node:net, so each test controls RD, EDNS
 * payload size and NSID exactly; answers are decoded strictly (a malformed
 * answer fails the test). Timeouts resolve to null (a "no answer" is a result,
 * not an exception). dig and kdig check the same answers independently
 * (interop.test.ts).
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import {
  decodeMessage,
  encodeQuery,
  FrameReader,
  frameMessage,
  RRClass,
  RRType,
  type DnsMessage,
} from '@propwatch/dns';

export { RRClass, RRType, type DnsMessage };

export interface QueryOptions {
  name: string;
  type?: number;
  class?: number;
  /** Add an OPT record with this UDP payload size. */
  ednsPayload?: number;
  nsid?: boolean;
  rd?: boolean;
  timeoutMs?: number;
  /** Local address to send from (a vantage's source, e.g. 127.0.1.3); default any. */
  source?: string;
}

export function buildQuery(options: QueryOptions): Buffer {
  const withEdns = options.ednsPayload !== undefined || options.nsid === true;
  return encodeQuery({
    id: randomInt(0, 0x10000),
    name: options.name,
    type: options.type ?? RRType.TXT,
    class: options.class ?? RRClass.IN,
    rd: options.rd ?? false,
    ...(withEdns ? { edns: { payloadSize: options.ednsPayload ?? 1232, nsid: options.nsid ?? false } } : {}),
  });
}

/** Decodes an answer or throws: the sim must never send a malformed one. */
export function decodeAnswer(wire: Buffer): DnsMessage {
  const decoded = decodeMessage(wire);
  if (!decoded.ok) throw new Error(`malformed answer from the sim: ${decoded.error}`);
  return decoded.message;
}

export function queryUdp(address: string, port: number, options: QueryOptions): Promise<DnsMessage | null> {
  const query = buildQuery(options);
  return new Promise((resolve, reject) => {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(null), options.timeoutMs ?? 1000);
    const finish = (value: DnsMessage | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(value);
    };
    socket.on('error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
    socket.on('message', (message) => {
      if (message.readUInt16BE(0) !== query.readUInt16BE(0)) return;
      try {
        finish(decodeAnswer(message));
      } catch (error) {
        clearTimeout(timer);
        socket.close();
        reject(error);
      }
    });
    const send = () => socket.send(query, port, address);
    if (options.source === undefined) send();
    else socket.bind(0, options.source, send);
  });
}

export function queryTcp(address: string, port: number, options: QueryOptions): Promise<DnsMessage | null> {
  const query = buildQuery(options);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, ...(options.source ? { localAddress: options.source } : {}) });
    const frames = new FrameReader();
    const timer = setTimeout(() => finish(null), options.timeoutMs ?? 1000);
    const finish = (value: DnsMessage | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    socket.on('connect', () => socket.write(frameMessage(query)));
    socket.on('data', (chunk: Buffer) => {
      const message = frames.push(chunk)[0];
      if (message === undefined) return;
      try {
        finish(decodeAnswer(message));
      } catch (error) {
        fail(error as Error);
      }
    });
    socket.on('error', fail);
  });
}

/** TXT strings of every answer RR, as text. */
export function txtStrings(message: DnsMessage): string[][] {
  return message.answers.flatMap((rr) =>
    rr.data.kind === 'txt' ? [rr.data.strings.map((s) => s.toString('utf8'))] : [],
  );
}

export function soaSerial(message: DnsMessage): number | undefined {
  for (const rr of [...message.answers, ...message.authorities]) if (rr.data.kind === 'soa') return rr.data.serial;
  return undefined;
}

/** The NSID the answer carries, as text; undefined without one. */
export function nsidText(message: DnsMessage): string | undefined {
  return message.edns?.nsid?.toString('utf8');
}
