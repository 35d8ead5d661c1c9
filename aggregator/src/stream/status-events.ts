/**
 * Turns the status tracker's evaluations into numbered status events. An event is due when the status body
 * changes in anything but `updatedAt` (state, reason, since, worst, fresh probes, coverage...). Bursts are
 * coalesced: the first change is emitted at once (leading edge), further changes within `coalesceMs` wait and
 * the latest body is emitted when the window ends, so at most one event per window leaves whatever the report
 * rate, and the last one always carries the newest body. Ids are `<bootId>-<seq>`: seq grows by one per event
 * within this process, bootId is random per process, so ids of a restarted or other replica never collide.
 */
import { randomBytes } from 'node:crypto';
import type { Status } from '@propwatch/shared';
import { sameBody } from './same-body.js';

/** Timers, injectable so tests drive the coalescing window with fake time. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** One status event; `data` (the serialized body) is computed once, on first use. */
export interface StatusEvent {
  readonly id: string;
  readonly status: Status;
  readonly data: string;
}

export interface StatusEventsOptions {
  /** The status at start: the first event (seq 1), what the first subscriber receives. */
  initial: Status;
  /** The body exactly as GET /api/v1/status serializes it. */
  serialize: (status: Status) => string;
  coalesceMs: number;
  bootId?: string;
  timers?: Timers;
}

/** A fresh process id: 48 random bits in base64url (no `-`, so `<bootId>-<seq>` splits unambiguously). */
export const newBootId = (): string => randomBytes(6).toString('base64url').replaceAll('-', '_');

export class StatusEvents {
  readonly bootId: string;
  readonly #timers: Timers;
  #seq = 0;
  #current: StatusEvent;
  #latest: Status;
  #window: unknown = null;
  #closed = false;
  readonly #listeners = new Set<(event: StatusEvent) => void>();

  constructor(private readonly options: StatusEventsOptions) {
    this.bootId = options.bootId ?? newBootId();
    this.#timers = options.timers ?? systemTimers;
    this.#latest = options.initial;
    this.#current = this.#event(options.initial);
  }

  /** The newest event emitted: what a subscriber is sent first. */
  get current(): StatusEvent {
    return this.#current;
  }

  /** Calls `listener` with every event emitted from now on; returns the function that stops it. */
  onEvent(listener: (event: StatusEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The tracker evaluated: emits now, or when the current window ends, if the body changed. */
  observe(status: Status): void {
    if (this.#closed) return;
    this.#latest = status;
    if (this.#window === null) this.#emitIfChanged();
  }

  /** Stops the window timer; nothing is emitted after. */
  close(): void {
    this.#closed = true;
    if (this.#window !== null) this.#timers.clearTimeout(this.#window);
    this.#window = null;
  }

  #emitIfChanged(): void {
    if (sameBody(this.#latest, this.#current.status, ['updatedAt'])) return;
    this.#current = this.#event(this.#latest);
    for (const listener of this.#listeners) listener(this.#current);
    this.#window = this.#timers.setTimeout(() => {
      this.#window = null;
      if (!this.#closed) this.#emitIfChanged();
    }, this.options.coalesceMs);
  }

  #event(status: Status): StatusEvent {
    this.#seq += 1;
    const serialize = this.options.serialize;
    let data: string | undefined;
    return {
      id: `${this.bootId}-${this.#seq}`,
      status,
      get data() {
        data ??= serialize(status);
        return data;
      },
    };
  }
}
