/**
 * A tiny DNS client for the tests: builds queries with dns2's Packet and
 * sends them over node:dgram / node:net, so each test controls RD, EDNS
 * payload size and NSID exactly. Timeouts resolve to null (a "no answer"
 * is a result, not an exception).
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dns2 from 'dns2';
import { nsidOption } from '../src/nsid-codec.js';

const { Packet } = dns2;
export type Packet = dns2.Packet;

export interface QueryOptions {
  name: string;
  type?: number;
  class?: number;
  /** Add an OPT record with this UDP payload size. */
  ednsPayload?: number;
  nsid?: boolean;
  rd?: boolean;
  timeoutMs?: number;
}

export function buildQuery(options: QueryOptions): Buffer {
  const packet = new Packet();
  packet.header.id = Packet.uuid();
  packet.header.rd = options.rd ? 1 : 0;
  packet.questions.push({
    name: options.name,
    type: options.type ?? Packet.TYPE.TXT,
    class: options.class ?? Packet.CLASS.IN,
  } as dns2.Packet.Question);
  if (options.ednsPayload !== undefined || options.nsid) {
    const opt = Packet.Resource.EDNS(options.nsid ? [nsidOption()] : []);
    opt.class = options.ednsPayload ?? 1232;
    packet.additionals.push(opt);
  }
  return packet.toBuffer();
}

export function queryUdp(address: string, port: number, options: QueryOptions): Promise<Packet | null> {
  const query = buildQuery(options);
  return new Promise((resolve, reject) => {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(null), options.timeoutMs ?? 1000);
    const finish = (value: Packet | null) => {
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
      if (message.readUInt16BE(0) === query.readUInt16BE(0)) finish(Packet.parse(message));
    });
    socket.send(query, port, address);
  });
}

export function queryTcp(address: string, port: number, options: QueryOptions): Promise<Packet | null> {
  const query = buildQuery(options);
  const frame = Buffer.alloc(2 + query.length);
  frame.writeUInt16BE(query.length, 0);
  query.copy(frame, 2);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => finish(null), options.timeoutMs ?? 1000);
    const finish = (value: Packet | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0))
        finish(Packet.parse(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** TXT strings of every answer RR. */
export function txtStrings(packet: Packet): string[][] {
  return packet.answers
    .filter((rr) => rr.type === Packet.TYPE.TXT)
    .map((rr) => (Array.isArray(rr.data) ? rr.data : [String(rr.data)]));
}

export function soaSerial(packet: Packet): number | undefined {
  return [...packet.answers, ...packet.authorities].find((rr) => rr.type === Packet.TYPE.SOA)?.serial;
}

export { Packet as DnsPacket };
