/**
 * Reads at most `maxBytes` of a response body as text, then cancels the rest:
 * an error page, a misconfigured proxy or a hostile server answering with
 * gigabytes costs a bounded read. The request's own AbortSignal still bounds
 * the time (a body dripped a byte a second).
 */
export interface BoundedText {
  text: string;
  /** The body went on past `maxBytes` (what was read is kept, the rest was not). */
  truncated: boolean;
}

/** Body text of `response`, at most `maxBytes` UTF-8 bytes of it (a character cut at the limit decodes as U+FFFD). */
export async function readBoundedText(response: Response, maxBytes: number): Promise<BoundedText> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), truncated: false };
      const room = maxBytes - read;
      if (value.byteLength > room) {
        text += decoder.decode(value.subarray(0, room));
        await reader.cancel().catch(() => {});
        return { text, truncated: true };
      }
      read += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    reader.releaseLock();
  }
}
