/**
 * Reads a response body up to a bound, as text. The poller and the stream's error answers both go through it, so a
 * broken or hostile server (or proxy) cannot make the Pi buffer an unbounded body.
 */

/** A status body is a few hundred bytes; 1 MiB leaves room for anything a newer aggregator adds. */
export const MAX_BODY_CHARS = 1 << 20;

/** The body as text, or `undefined` when it is longer than `limit` characters (the rest is not read). */
export async function readBodyBounded(response: Response, limit: number): Promise<string | undefined> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
      if (text.length > limit) return undefined;
    }
  } finally {
    // Stops the transfer of whatever is left; the connection is not reused for it.
    void reader.cancel().catch(() => undefined);
  }
}
