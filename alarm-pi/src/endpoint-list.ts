/**
 * The aggregator URLs the client may use, and which one it uses now. A
 * failure that another replica may not share (no answer, a 5xx) moves to the
 * next URL, wrapping around; a success stays. The poller and the stream
 * share one list, so a replica the poller found dead is not where the stream
 * reconnects. (Written here because the shared one, from the probe failover
 * work, was not on main yet; it has the same shape.)
 */
export class EndpointList {
  private index = 0;

  constructor(readonly urls: readonly string[]) {
    if (urls.length === 0) throw new Error('EndpointList needs at least one URL');
  }

  /** The URL to use now. */
  get current(): string {
    return this.urls[this.index]!;
  }

  /** Gives up on `url` (if it is still the current one) and returns the next. */
  failed(url: string): string {
    if (url === this.current) this.index = (this.index + 1) % this.urls.length;
    return this.current;
  }
}
