/**
 * The one interface every canary writer implements (`cloudflare`, `rfc2136`).
 * The round engine only sees this shape, so a writer is chosen from a map by
 * the config key and swapped in tests by a fake.
 */

/** One canary write: replace the TXT RRset at `name` with a single record. */
export interface CanaryWrite {
  /** Fully qualified owner name, without the trailing dot. */
  name: string;
  /** The zone the name lives in, without the trailing dot. */
  zone: string;
  /** The TXT text, built by the shared `buildCanaryTxt`. */
  content: string;
  /** TTL of the record in seconds. */
  ttl: number;
}

/**
 * The outcome of a write. A failed write is a result, not an exception: the
 * round becomes `write_failed` with `error` as its reason.
 */
export type WriteResult =
  | { ok: true; submitToAckMs: number; /** `performance.now()` when the ack arrived. */ ackAt: number }
  | {
      ok: false;
      submitToAckMs: number;
      /** A sentence a person can act on; never contains secrets. */
      error: string;
      /** Machine-readable reason, e.g. `BADSIG`, `REFUSED`, `cloudflare:10000`. */
      code?: string;
      /** Whether trying again later could succeed (timeouts, SERVFAIL, 5xx, 429). */
      retryable: boolean;
    };

/** A provider-specific way of writing the canary. */
export interface CanaryWriter {
  /** The config key that selects this writer (`cloudflare`, `rfc2136`). */
  readonly kind: string;
  write(change: CanaryWrite, signal?: AbortSignal): Promise<WriteResult>;
  /** Releases sockets or agents; safe to call more than once. */
  close?(): Promise<void>;
}
