/**
 * One TCP connection of a DNS server (RFC 7766): frames in, queries to the
 * handler, answers framed back in whatever order they come (pipelining), a
 * half-close once the peer has ended and every query is settled, an idle
 * timeout, and bounds on what one client can make the server hold.
 */
import type { Socket } from 'node:net';
import { FrameReader, frameMessage } from '@propwatch/dns';
import type { DnsRequest } from './dns-transport.js';

export interface TcpConnectionDeps {
  dispatch: (request: DnsRequest) => void;
  report: (error: Error) => void;
  /** Queries awaiting their answer before the connection stops reading (until answers go out). */
  maxPending: number;
  idleTimeoutMs: number;
}

/** Answer bytes a client may leave unread before its connection is closed. */
const MAX_UNSENT_BYTES = 1024 * 1024;

export function serveTcpConnection(socket: Socket, deps: TcpConnectionDeps): void {
  const { dispatch, report, maxPending } = deps;
  const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
  const frames = new FrameReader();
  let pending = 0;
  let peerEnded = false;
  let done = false;
  const finish = () => {
    done = true;
    socket.destroySoon();
  };
  const settled = () => {
    pending--;
    if (socket.isPaused() && pending < maxPending) socket.resume();
    if (peerEnded && pending === 0 && !done) finish();
  };
  socket.setTimeout(deps.idleTimeoutMs, () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    for (const message of frames.push(chunk)) {
      if (done) return;
      pending++;
      let open = true;
      const close = (): boolean => open && !(open = false);
      dispatch({
        message,
        transport: 'tcp',
        remote,
        answer: (response) => {
          if (!close()) return;
          if (!done && !socket.destroyed) writeAnswer(socket, response, report);
          settled();
        },
        ignore: () => {
          if (close()) settled();
        },
        reject: () => {
          if (!close()) return;
          pending--;
          finish();
        },
      });
    }
    if (pending >= maxPending && !done) socket.pause();
  });
  socket.on('end', () => {
    peerEnded = true;
    if (frames.pendingBytes > 0) {
      report(new Error(`TCP stream from ${remote.address} ended inside a message (${frames.pendingBytes} bytes)`));
      return void socket.destroy();
    }
    if (pending === 0 && !done) finish();
  });
  socket.on('error', (error) => report(error));
}

function writeAnswer(socket: Socket, response: Buffer, report: (error: Error) => void): void {
  let frame: Buffer;
  try {
    frame = frameMessage(response);
  } catch (error) {
    return report(error as Error);
  }
  socket.write(frame);
  if (socket.writableLength > MAX_UNSENT_BYTES) {
    report(new Error(`TCP client ${socket.remoteAddress} leaves answers unread; connection closed`));
    socket.destroy();
  }
}
