/**
 * One query over TCP (RFC 1035 §4.2.2, RFC 7766): a 2-byte length before the
 * message, a fresh connection per query. Used only after TC=1, so simplicity
 * beats connection reuse. The connection is ours alone, so the source is
 * implicit; ID and question are still checked.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  decodeMessage,
  FrameReader,
  frameMessage,
  mismatchReason,
  stampQuery,
  type DnsMessage,
  type PreparedQuery,
} from '@propwatch/dns';
import type { ResolvedTarget } from './target-address.js';

export type TcpOutcome =
  | { kind: 'answer'; message: DnsMessage; receivedAt: number }
  | { kind: 'failure'; reason: 'timeout' | 'network' | 'garbage' | 'closed' | 'aborted'; detail: string };

export interface TcpExchangeOptions {
  target: ResolvedTarget;
  prepared: PreparedQuery;
  id: number;
  /** performance.now() by which the answer must be in. */
  deadline: number;
  /** Closes the connection and settles as `aborted` when it fires. */
  signal?: AbortSignal | undefined;
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
    const frames = new FrameReader();
    const onAbort = () =>
      finish({ kind: 'failure', reason: 'aborted', detail: `TCP query to ${target.label} aborted` });
    const finish = (outcome: TcpOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      untrack();
      options.signal?.removeEventListener('abort', onAbort);
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
          detail: `no complete TCP answer from ${target.label} in time (${frames.received} bytes received)`,
        }),
      Math.max(0, Math.ceil(deadline - performance.now())),
    );
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('connect', () => socket.write(frameMessage(stampQuery(prepared, id))));
    socket.on('data', (chunk: Buffer) => {
      // Partial reads are normal on TCP: wait until the whole frame is here.
      const frame = frames.push(chunk)[0];
      if (frame !== undefined) finish(judge(frame, id, prepared, target, performance.now()));
    });
    socket.on('error', (error) =>
      finish({ kind: 'failure', reason: 'network', detail: `TCP to ${target.label}: ${error.message}` }),
    );
    socket.on('close', () =>
      finish({
        kind: 'failure',
        reason: 'network',
        detail: `TCP connection to ${target.label} closed after ${frames.received} bytes, before a complete answer`,
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
