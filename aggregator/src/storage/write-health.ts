/**
 * Whether storage writes are durable right now, from the outcome of every
 * real write (report commits, the readiness write, pruning) and every file
 * check. One failure is enough: readiness must never say "ready" while an
 * acknowledgement could not be kept, and it stays failed until a write
 * succeeds again (a full disk lets a one-page write through while reports
 * fail, so the readiness probe then writes something larger; see
 * RECOVERY_BALLAST_BYTES).
 */

export interface WriteFailure {
  /** Aggregator clock, ms since the epoch, of the first failure of this streak. */
  since: number;
  /** SQLITE_FULL, SQLITE_READONLY, PROPWATCH_DB_FILES_GONE, … */
  code: string;
  message: string;
}

/**
 * What the readiness probe writes while writes are failing: enough new pages (256 at SQLite's 4 KiB) to need
 * space a full disk no longer has, where its usual one-row write would fit in WAL space SQLite already holds.
 * A group commit of a few dozen reports writes about as much.
 */
export const RECOVERY_BALLAST_BYTES = 1 << 20;

/** SQLite names its failure in `code` (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR_…); other errors may not. */
export function storageErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'STORAGE_ERROR';
}

export class WriteHealth {
  #failure: WriteFailure | null = null;

  get failure(): WriteFailure | null {
    return this.#failure;
  }

  /** Records a failed write; true when it starts a streak or changes its cause (worth an error log line). */
  failed(error: unknown, at: number): boolean {
    const code = storageErrorCode(error);
    const message = error instanceof Error ? error.message : String(error);
    const previous = this.#failure;
    this.#failure = { since: previous?.since ?? at, code, message };
    return previous === null || previous.code !== code;
  }

  /** Records a successful write; returns the streak it ended, if any. */
  succeeded(): WriteFailure | null {
    const ended = this.#failure;
    this.#failure = null;
    return ended;
  }
}
