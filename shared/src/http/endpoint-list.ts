/**
 * Which of several replicas of one service (aggregator URLs, in the order the
 * operator listed them) a client talks to now. A client asks `pick()` before
 * each request, reports the outcome with `failed(reason)` (the next endpoint
 * takes over, wrapping round) or `succeeded()` (it stays), and logs/counts the
 * switches it is handed. Optionally the list offers the first (preferred)
 * endpoint again after a while on a fallback, so a client drifts back to the
 * primary once it is up; a primary still down costs one failed attempt per
 * interval, after which `failed` moves on again.
 *
 * Pure: no I/O, time from an injected monotonic clock (a step of the wall
 * clock must not send every client back to a dead primary, or never).
 * What counts as a failure is the caller's call: typically a connection
 * failure or a 5xx, never a 4xx (that is the request's fault, and another
 * replica would refuse it alike).
 */

/** A change of endpoint, for the caller to log and count (indexes into the list, bounded by its size). */
export interface EndpointSwitch {
  from: number;
  to: number;
  fromUrl: string;
  toUrl: string;
  /** The reason given to `failed`, or "preferred" when the list returned to its first endpoint. */
  reason: string;
}

/** The endpoint to use now. */
export interface PickedEndpoint {
  index: number;
  url: string;
  /** Set when this pick moved back to the first endpoint (`preferFirstAfterMs` elapsed). */
  switched?: EndpointSwitch;
}

export interface EndpointListOptions {
  /**
   * After this many milliseconds on an endpoint other than the first, `pick` returns to the first.
   * Absent: a client stays where it is until that endpoint fails.
   */
  preferFirstAfterMs?: number | undefined;
  /** Monotonic milliseconds (default performance.now()); never the wall clock, which may step. */
  monotonicNow?: () => number;
}

export class EndpointList {
  readonly urls: readonly string[];
  private index = 0;
  private streak = 0;
  /** Monotonic time the current endpoint took over. */
  private since: number;
  private readonly now: () => number;
  private readonly preferFirstAfterMs: number | undefined;

  /** @throws RangeError for an empty list or a negative/non-finite `preferFirstAfterMs` (a programming error). */
  constructor(urls: readonly string[], options: EndpointListOptions = {}) {
    if (urls.length === 0) throw new RangeError('EndpointList: expected at least one URL');
    const { preferFirstAfterMs } = options;
    if (preferFirstAfterMs !== undefined && !(Number.isFinite(preferFirstAfterMs) && preferFirstAfterMs >= 0))
      throw new RangeError(`EndpointList: expected preferFirstAfterMs >= 0, got ${preferFirstAfterMs}`);
    this.urls = Object.freeze([...urls]);
    this.now = options.monotonicNow ?? (() => performance.now());
    this.preferFirstAfterMs = preferFirstAfterMs;
    this.since = this.now();
  }

  get size(): number {
    return this.urls.length;
  }

  /** Index of the endpoint in use (0 = the first, preferred one). */
  get currentIndex(): number {
    return this.index;
  }

  get currentUrl(): string {
    return this.urls[this.index] as string;
  }

  /** The endpoint for the next request; returns to the first one when `preferFirstAfterMs` has passed on a fallback. */
  pick(): PickedEndpoint {
    const due =
      this.index !== 0 && this.preferFirstAfterMs !== undefined && this.now() - this.since >= this.preferFirstAfterMs;
    const switched = due ? this.moveTo(0, 'preferred') : undefined;
    return { index: this.index, url: this.currentUrl, ...(switched ? { switched } : {}) };
  }

  /** The current endpoint failed: the next one takes over (after the last, the first). Undefined for a one-URL list. */
  failed(reason: string): EndpointSwitch | undefined {
    this.streak += 1;
    if (this.urls.length === 1) return undefined;
    return this.moveTo((this.index + 1) % this.urls.length, reason);
  }

  /**
   * The current endpoint answered: it stays in use, and the failure streak ends. The time on a fallback
   * is not reset, so a client that talks every second still returns to its preferred endpoint on schedule.
   */
  succeeded(): void {
    this.streak = 0;
  }

  /**
   * Failures since the last success, over every endpoint. At `size` or more every endpoint has failed in
   * turn: the caller stops going round and backs off.
   */
  get consecutiveFailures(): number {
    return this.streak;
  }

  private moveTo(to: number, reason: string): EndpointSwitch {
    const from = this.index;
    this.index = to;
    this.since = this.now();
    return { from, to, fromUrl: this.urls[from] as string, toUrl: this.urls[to] as string, reason };
  }
}
