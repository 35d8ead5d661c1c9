/**
 * One query over TCP (RFC 1035 §4.2.2, RFC 7766): a 2-byte length before the
 * message, a fresh connection per query. Used only after TC=1, so simplicity
 * beats connection reuse. The connection is ours alone, so the source is
 * implicit; ID and question are still checked.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { decodeMessage, stampQuery, type DnsMessage, type PreparedQuery } from '@propwatch/dns';
import { mismatchReason } from './answer-match.js';
import type { ResolvedTarget } from './target-address.js';

export type TcpOutcome =
  | { kind: 'answer'; message: DnsMessage; receivedAt: number }
  | { kind: 'failure'; reason: 'timeout' | 'network' | 'garbage' | 'closed'; detail: string };

export interface TcpExchangeOptions {
  target: ResolvedTarget;
  prepared: PreparedQuery;
  id: number;
  /** performance.now() by which the answer must be in. */
  deadline: number;
  localAddress?: string;
  /** Registers an abort function the owner calls when it closes; returns the unregister function. */
  register: (abort: () => void) => () => void;
}

export function exchangeTcp(options: TcpExchangeOptions): Promise<TcpOutcome> {
  const { target, prepared, id, deadline } = options;
  return new Promise((resolve) => {
    const socket = net.connect({
      host: target.address,
      port: target.port,
      family: target.family,
      localAddress: options.localAddress,
      noDelay: true,
    });
    let settled = false;
    let received: Buffer = Buffer.alloc(0);
    const finish = (outcome: TcpOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      untrack();
      socket.destroy();
      resolve(outcome);
    };
    const untrack = options.register(() =>
      finish({ kind: 'failure', reason: 'closed', detail: 'querier closed while the TCP query was in flight' }),
    );
    const timer = setTimeout(
      () =>
        finish({
          kind: 'failure',
          reason: 'timeout',
          detail: `no complete TCP answer from ${target.label} in time (${received.length} bytes received)`,
        }),
      Math.max(0, Math.ceil(deadline - performance.now())),
    );
    socket.on('connect', () => {
      const query = stampQuery(prepared, id);
      const frame = Buffer.allocUnsafe(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      query.copy(frame, 2);
      socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      // Partial reads are normal on TCP: wait until the whole frame is here.
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length < 2 + length) return;
      const receivedAt = performance.now();
      finish(judge(received.subarray(2, 2 + length), id, prepared, target, receivedAt));
    });
    socket.on('error', (error) =>
      finish({ kind: 'failure', reason: 'network', detail: `TCP to ${target.label}: ${error.message}` }),
    );
    socket.on('close', () =>
      finish({
        kind: 'failure',
        reason: 'network',
        detail: `TCP connection to ${target.label} closed after ${received.length} bytes, before a complete answer`,
      }),
    );
  });
}

function judge(
  frame: Buffer,
  id: number,
  prepared: PreparedQuery,
  target: ResolvedTarget,
  receivedAt: number,
): TcpOutcome {
  const decoded = decodeMessage(frame);
  if (!decoded.ok)
    return {
      kind: 'failure',
      reason: 'garbage',
      detail: `malformed TCP response from ${target.label}: ${decoded.error}`,
    };
  if (decoded.message.header.id !== id)
    return {
      kind: 'failure',
      reason: 'garbage',
      detail: `TCP response from ${target.label} has ID ${decoded.message.header.id}, expected ${id}`,
    };
  const reason = mismatchReason(decoded.message, prepared);
  if (reason !== undefined)
    return {
      kind: 'failure',
      reason: 'garbage',
      detail: `TCP response from ${target.label} does not match the query: ${reason}`,
    };
  return { kind: 'answer', message: decoded.message, receivedAt };
}
