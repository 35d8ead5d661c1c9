/**
 * The text of a Server-Sent Events stream (WHATWG HTML, "Server-sent events"): pure functions, one frame each.
 * A frame ends with a blank line; `data` must be one line (the JSON status body never holds a raw newline).
 */

/** The reconnection delay the client uses after the stream drops (EventSource honours it; so does the alarm client). */
export const retryFrame = (ms: number): string => `retry: ${ms}\n\n`;

/** One status event: the client keeps `id` and sends it back as Last-Event-ID when it reconnects. */
export function eventFrame(id: string, event: string, data: string): string {
  if (/[\r\n]/.test(data) || /[\r\n]/.test(id)) throw new Error('an SSE event id or data line holds a line break');
  return `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** A comment (ignored by clients) that proves the stream alive to proxies and to a client watching for silence. */
export const heartbeatFrame = (nowMs: number): string => `: hb ${nowMs}\n\n`;
