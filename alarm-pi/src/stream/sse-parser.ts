/**
 * An incremental Server-Sent Events parser (the WHATWG "event stream"
 * interpretation) with bounds: text goes in as it arrives, in any chunking,
 * and complete items come out. Lines end in CRLF, LF or CR; a leading BOM is
 * dropped; `data` lines are joined by LF; `:` lines are comments; an
 * unknown field is ignored, as the standard says. What it adds is the
 * bounds: a line longer than `maxLineChars` or an event whose data grows past
 * `maxEventChars` is an error, after which the parser accepts nothing more —
 * the caller drops the connection instead of buffering whatever a broken or
 * hostile server sends.
 */

export type SseItem =
  | { kind: 'event'; event: string; data: string; id: string | undefined }
  | { kind: 'retry'; ms: number }
  | { kind: 'comment'; text: string };

export type SseError = { kind: 'error'; reason: string };

export interface SseLimits {
  maxLineChars: number;
  maxEventChars: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = { maxLineChars: 1 << 20, maxEventChars: 1 << 20 };

export class SseParser {
  private pending = '';
  private skipLf = false;
  private started = false;
  private failed: SseError | undefined;
  private data: string[] = [];
  private dataChars = 0;
  private eventType = '';
  private lastId: string | undefined;

  constructor(private readonly limits: SseLimits = DEFAULT_SSE_LIMITS) {}

  /** The id of the last event seen (the standard's "last event ID buffer"), for `Last-Event-ID`. */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  /** Feeds decoded text; returns the items it completes, ending with an error item if a bound was crossed. */
  push(text: string): Array<SseItem | SseError> {
    if (this.failed) return [this.failed];
    const out: Array<SseItem | SseError> = [];
    let chunk = text;
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let from = 0;
    if (this.skipLf && chunk.length > 0) {
      this.skipLf = false;
      if (chunk[0] === '\n') from = 1;
    }
    for (let i = from; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.pending + chunk.slice(from, i);
      this.pending = '';
      if (c === 13) {
        if (i + 1 === chunk.length) this.skipLf = true;
        else if (chunk.charCodeAt(i + 1) === 10) i++;
      }
      from = i + 1;
      if (!this.line(line, out)) return out;
    }
    this.pending += chunk.slice(from);
    if (this.pending.length > this.limits.maxLineChars)
      this.fail(`a line longer than ${this.limits.maxLineChars} characters`, out);
    return out;
  }

  private fail(reason: string, out: Array<SseItem | SseError>): false {
    this.failed = { kind: 'error', reason };
    this.pending = '';
    this.data = [];
    out.push(this.failed);
    return false;
  }

  /** One complete line; false once the parser failed. */
  private line(line: string, out: Array<SseItem | SseError>): boolean {
    if (line.length > this.limits.maxLineChars)
      return this.fail(`a line longer than ${this.limits.maxLineChars} characters`, out);
    if (line === '') {
      this.dispatch(out);
      return true;
    }
    if (line[0] === ':') {
      out.push({ kind: 'comment', text: line.slice(1).replace(/^ /, '') });
      return true;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value[0] === ' ') value = value.slice(1);
    if (field === 'data') {
      this.dataChars += value.length + (this.data.length > 0 ? 1 : 0);
      if (this.dataChars > this.limits.maxEventChars)
        return this.fail(`an event larger than ${this.limits.maxEventChars} characters`, out);
      this.data.push(value);
    } else if (field === 'event') this.eventType = value;
    else if (field === 'id') {
      if (!value.includes('\0')) this.lastId = value;
    } else if (field === 'retry') {
      if (/^\d{1,9}$/.test(value)) out.push({ kind: 'retry', ms: Number(value) });
    }
    return true;
  }

  private dispatch(out: Array<SseItem | SseError>): void {
    const data = this.data;
    const event = this.eventType;
    this.data = [];
    this.dataChars = 0;
    this.eventType = '';
    // The standard: an event without data lines is not dispatched (the id still sticks).
    if (data.length === 0) return;
    out.push({ kind: 'event', event: event === '' ? 'message' : event, data: data.join('\n'), id: this.lastId });
  }
}
