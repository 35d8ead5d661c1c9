/**
 * A minimal Server-Sent Events reader for tests, over node:http (app.inject cannot stream): it connects to a
 * listening app, splits what arrives into frames (blank-line separated) and lets a test wait for the next one.
 */
import { type ClientRequest, type IncomingMessage, request } from 'node:http';

export interface SseFrame {
  /** The raw frame text, without the blank line that ends it. */
  raw: string;
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
  /** The text after ':' of a comment line (a heartbeat: `hb <ms>`). */
  comment?: string;
}

export function parseFrame(raw: string): SseFrame {
  const frame: SseFrame = { raw };
  for (const line of raw.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else if (line.startsWith('id: ')) frame.id = line.slice(4);
    else if (line.startsWith('event: ')) frame.event = line.slice(7);
    else if (line.startsWith('data: ')) frame.data = line.slice(6);
    else if (line.startsWith('retry: ')) frame.retry = Number(line.slice(7));
  }
  return frame;
}

export interface SseConnection {
  response: IncomingMessage;
  /** The body, for an answer that is not a stream (401, 503). */
  body: () => Promise<string>;
  /** The next frame; rejects if the stream ends first. */
  next: () => Promise<SseFrame>;
  /** The next frame that `match` accepts (skipping, e.g., heartbeats). */
  nextMatching: (match: (frame: SseFrame) => boolean) => Promise<SseFrame>;
  /** Resolves when the server ends the stream: 'end' for a clean end, 'error' for a reset. */
  ended: Promise<'end' | 'error'>;
  close: () => void;
  request: ClientRequest;
}

export function openStream(port: number, headers: Record<string, string> = {}): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/v1/status/stream', headers: { accept: 'text/event-stream', ...headers } },
      (response) => {
        let buffered = '';
        const frames: SseFrame[] = [];
        const waiters: { resolve: (f: SseFrame) => void; reject: (e: Error) => void }[] = [];
        let finished: 'end' | 'error' | null = null;
        let markEnded: (how: 'end' | 'error') => void = () => undefined;
        const ended = new Promise<'end' | 'error'>((r) => (markEnded = r));
        const finish = (how: 'end' | 'error') => {
          if (finished) return;
          finished = how;
          markEnded(how);
          for (const waiter of waiters.splice(0)) waiter.reject(new Error(`stream ended (${how})`));
        };
        const isStream = response.headers['content-type']?.startsWith('text/event-stream') ?? false;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (!isStream) {
            body += chunk;
            return;
          }
          buffered += chunk;
          let at: number;
          while ((at = buffered.indexOf('\n\n')) !== -1) {
            const frame = parseFrame(buffered.slice(0, at));
            buffered = buffered.slice(at + 2);
            const waiter = waiters.shift();
            if (waiter) waiter.resolve(frame);
            else frames.push(frame);
          }
        });
        response.on('end', () => finish('end'));
        response.on('error', () => finish('error'));
        response.on('close', () => finish(response.complete ? 'end' : 'error'));
        const next = () =>
          new Promise<SseFrame>((resolveFrame, rejectFrame) => {
            const frame = frames.shift();
            if (frame) return resolveFrame(frame);
            if (finished) return rejectFrame(new Error(`stream ended (${finished})`));
            waiters.push({ resolve: resolveFrame, reject: rejectFrame });
          });
        const nextMatching = async (match: (frame: SseFrame) => boolean) => {
          for (;;) {
            const frame = await next();
            if (match(frame)) return frame;
          }
        };
        const bodyDone = new Promise<string>((r) => response.on('end', () => r(body)));
        resolve({
          response,
          body: () => bodyDone,
          next,
          nextMatching,
          ended,
          close: () => req.destroy(),
          request: req,
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
