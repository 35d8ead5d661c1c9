/**
 * Heavy reads share the event loop with /api/v1/status, which the beacon
 * polls every second. They run as a sequence of small slices (one bounded SQL
 * statement, or a bounded piece of computation, each), and `turn()` hands
 * control back between slices: one slice per event-loop iteration for all
 * heavy reads together, so the I/O of every other request is served between
 * any two slices however many heavy reads run. At most `concurrent` heavy
 * reads run at once (each holds its partial result in memory); up to
 * `queued` more wait; beyond that a read is refused with a 503 to retry.
 */
import { ApiError } from './error-catalogue.js';

export const readBusy = () =>
  new ApiError(
    503,
    'PROPWATCH_READ_BUSY',
    'too many long reads in progress; retry in a second (short reads such as /api/v1/status are not affected)',
    { 'retry-after': '1' },
  );

export class ReadGate {
  #running = 0;
  readonly #queue: (() => void)[] = [];
  readonly #turns: (() => void)[] = [];
  #turnScheduled = false;

  constructor(private readonly limits: { concurrent: number; queued: number }) {}

  /** Runs a heavy read when a place is free; throws readBusy() at once when the queue is full. */
  async run<T>(read: (turn: () => Promise<void>) => Promise<T>): Promise<T> {
    if (this.#running >= this.limits.concurrent) {
      if (this.#queue.length >= this.limits.queued) throw readBusy();
      // A finishing read hands its place over directly, so none can slip in between.
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#running += 1;
    }
    try {
      return await read(() => this.turn());
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }

  /** Resolves on a later event-loop iteration: one waiting slice per iteration, after that iteration's I/O. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.#turns.push(resolve);
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#turnScheduled || this.#turns.length === 0) return;
    this.#turnScheduled = true;
    // An immediate scheduled while immediates run waits for the next iteration, so poll (I/O) runs in between.
    setImmediate(() => {
      this.#turnScheduled = false;
      this.#turns.shift()?.();
      this.#schedule();
    });
  }
}
