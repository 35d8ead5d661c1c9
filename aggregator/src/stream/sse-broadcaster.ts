/**
 * The open status streams: a bounded set of subscribers, each written the same frames. Nothing is queued per
 * subscriber beyond what its socket has not taken yet (`writableLength`), and that is bounded: a subscriber whose
 * unsent bytes exceed `maxBufferedBytes` after a write is dropped (its socket destroyed), so a reader that stops
 * reading costs at most the bound plus one frame. One heartbeat timer serves every subscriber and runs only
 * while there is one.
 */
import { heartbeatFrame } from './sse-frames.js';

/** The part of an http.ServerResponse a subscriber is written through. */
export interface SseSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  end(): void;
  destroy(): void;
}

/** Why a subscriber was dropped (the reason label of propwatch_sse_dropped_total). */
export type DropReason = 'slow_reader' | 'shutdown';

export interface IntervalTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const systemIntervals: IntervalTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface SseBroadcasterOptions {
  maxSubscribers: number;
  maxBufferedBytes: number;
  heartbeatMs: number;
  /** Wall clock (ms since epoch) written in each heartbeat. */
  now: () => number;
  onDrop?: (reason: DropReason) => void;
  timers?: IntervalTimers;
}

export class SseBroadcaster {
  readonly #subscribers = new Set<SseSink>();
  readonly #timers: IntervalTimers;
  #heartbeat: unknown = null;
  #closed = false;

  constructor(private readonly options: SseBroadcasterOptions) {
    this.#timers = options.timers ?? systemIntervals;
  }

  get size(): number {
    return this.#subscribers.size;
  }

  /** Whether one more subscriber would be refused (the limit is reached, or the broadcaster is closed). */
  get full(): boolean {
    return this.#closed || this.#subscribers.size >= this.options.maxSubscribers;
  }

  /**
   * Adds `sink` and writes `first` to it (the retry line and the current event); false, and nothing written,
   * when full. The caller removes the sink when its connection closes.
   */
  add(sink: SseSink, first: string): boolean {
    if (this.full) return false;
    this.#subscribers.add(sink);
    if (this.#heartbeat === null)
      this.#heartbeat = this.#timers.setInterval(() => this.#heartbeatAll(), this.options.heartbeatMs);
    this.#write(sink, first);
    return true;
  }

  /** Forgets `sink` (its connection closed); stops the heartbeat with the last one. */
  remove(sink: SseSink): void {
    if (!this.#subscribers.delete(sink) || this.#subscribers.size > 0 || this.#heartbeat === null) return;
    this.#timers.clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** Writes `frame` to every subscriber. */
  send(frame: string): void {
    for (const sink of this.#subscribers) this.#write(sink, frame);
  }

  /** Ends every stream (the responses finish cleanly) and refuses new subscribers: the server is closing. */
  close(): void {
    this.#closed = true;
    for (const sink of [...this.#subscribers]) {
      this.remove(sink);
      this.options.onDrop?.('shutdown');
      sink.end();
    }
  }

  #heartbeatAll(): void {
    this.send(heartbeatFrame(this.options.now()));
  }

  #write(sink: SseSink, frame: string): void {
    sink.write(frame);
    if (sink.writableLength <= this.options.maxBufferedBytes) return;
    // The client does not read (or reads slower than events come): drop it rather than buffer without bound.
    // It reconnects (retry:) and gets the current status at once, so it loses nothing but the stale backlog.
    this.remove(sink);
    this.options.onDrop?.('slow_reader');
    sink.destroy();
  }
}
