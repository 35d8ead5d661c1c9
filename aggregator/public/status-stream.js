/**
 * Subscribes to GET /api/v1/status/stream (Server-Sent Events) and calls `onStatus` with each status event.
 * Read with fetch rather than EventSource: EventSource cannot send the read token as a bearer header, and a
 * token in the URL would land in proxy and server logs. The stream reconnects after the server's `retry:` delay
 * (longer after repeated failures) and reports whether it is live, so the page polls while it is not. A 401
 * stops it until `restart()` (the read token was entered). Silence longer than SILENCE_MS (the server sends a
 * heartbeat every 15 s by default) counts as a dead stream: a half-open connection never reports an error.
 */
import { authHeaders } from './api-client.js';

const SILENCE_MS = 45_000;
const MAX_RETRY_MS = 30_000;

/** Splits `text` into complete SSE frames (blank-line separated); returns them and the unfinished rest. */
export function splitFrames(text) {
  // A chunk may end between the \r and \n of a CRLF: a trailing \r waits for the next chunk.
  const held = text.endsWith('\r') ? '\r' : '';
  const parts = text
    .slice(0, text.length - held.length)
    .replace(/\r\n?/g, '\n')
    .split('\n\n');
  return { frames: parts.slice(0, -1), rest: parts.at(-1) + held };
}

/** One frame's fields (`event`, `data` lines joined, `id`, `retry`); comments are ignored. */
export function parseFrame(frame) {
  const fields = { event: 'message', data: [], id: null, retry: null };
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') fields.event = value;
    else if (name === 'data') fields.data.push(value);
    else if (name === 'id') fields.id = value;
    else if (name === 'retry' && /^\d+$/.test(value)) fields.retry = Number(value);
  }
  return { ...fields, data: fields.data.join('\n') };
}

export function openStatusStream({ onStatus, onLive }) {
  let retryMs = 1_000;
  let failures = 0;
  let stopped = false;
  let controller = null;
  let timer = null;

  const later = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(() => void connect(), ms);
  };

  async function connect() {
    controller = new AbortController();
    const current = controller;
    let silence = setTimeout(() => current.abort(), SILENCE_MS);
    const alive = () => {
      clearTimeout(silence);
      silence = setTimeout(() => current.abort(), SILENCE_MS);
    };
    try {
      const response = await fetch('/api/v1/status/stream', {
        headers: { accept: 'text/event-stream', ...authHeaders() },
        cache: 'no-store',
        signal: current.signal,
      });
      if (response.status === 401) {
        stopped = true; // until the read token is entered (restart)
        return;
      }
      if (!response.ok || !response.body) throw new Error(`status stream: ${response.status}`);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let rest = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        alive();
        const split = splitFrames(rest + decoder.decode(value, { stream: true }));
        rest = split.rest;
        for (const frame of split.frames) {
          const event = parseFrame(frame);
          if (event.retry !== null) retryMs = event.retry;
          if (event.event !== 'status' || event.data === '') continue;
          failures = 0;
          onLive(true);
          onStatus(JSON.parse(event.data));
        }
      }
    } catch {
      // Aborted (silence, restart), refused or reset: reconnect below.
    } finally {
      clearTimeout(silence);
    }
    if (current !== controller) return; // restarted meanwhile: the new connection took over
    onLive(false);
    if (stopped) return;
    failures += 1;
    later(Math.min(MAX_RETRY_MS, retryMs * 2 ** Math.min(failures - 1, 5)));
  }

  void connect();
  return {
    /** Reconnects now (a read token was entered). */
    restart() {
      stopped = false;
      failures = 0;
      const previous = controller;
      controller = null; // so the aborted connection does not schedule a reconnection of its own
      previous?.abort();
      later(0);
    },
  };
}
