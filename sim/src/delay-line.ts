/**
 * One direction of one network path (a vantage to a POP, or back): items
 * leave in the order they entered, each no earlier than its due instant, on
 * a single timer for the whole line.
 *
 * First in, first out is the point. Jitter varies each packet's delay, but
 * packets on one path are not reordered by it: an item due earlier than the
 * one before it waits for that one. So for one POP and one vantage, a query
 * sent later is never decided earlier, and an answer decided later never
 * arrives earlier — jitter cannot turn "served" back into "not yet".
 *
 * The line itself does not bound its length: the caller admits items against
 * its own budget (the query router's per-vantage cap).
 */
export class DelayLine {
  private items: Array<{ dueMs: number; run: () => void } | undefined> = [];
  private head = 0;
  private lastDueMs = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  /**
   * @param now monotonic milliseconds (the sim's clock)
   * @param onError a `run` that throws (a bug) is reported here and the line moves on
   */
  constructor(
    private readonly now: () => number,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  /** Items waiting. */
  get length(): number {
    return this.items.length - this.head;
  }

  /**
   * Queues `run` for `dueMs`, or for the previous item's due instant if that is
   * later (first in, first out). Returns the due instant used.
   */
  push(dueMs: number, run: () => void): number {
    if (this.closed) return dueMs;
    const due = Math.max(dueMs, this.lastDueMs);
    this.lastDueMs = due;
    this.items.push({ dueMs: due, run });
    if (!this.timer) this.arm();
    return due;
  }

  /** Drops every waiting item and the timer; later pushes are ignored. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.items = [];
    this.head = 0;
  }

  private arm(): void {
    const next = this.items[this.head];
    if (!next || this.closed) return;
    // A timer may fire a little before performance.now() reaches the due
    // instant (Node's timers round to ms on a clock read earlier): fire()
    // checks and re-arms, never running an item early.
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(next.dueMs - this.now())));
  }

  private fire(): void {
    this.timer = undefined;
    for (let next = this.items[this.head]; next && next.dueMs <= this.now(); next = this.items[this.head]) {
      this.items[this.head++] = undefined;
      try {
        next.run();
      } catch (error) {
        this.onError(error as Error);
      }
      if (this.closed) return;
    }
    // Compact once the consumed prefix dominates, so a busy line stays flat in memory.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    this.arm();
  }
}
