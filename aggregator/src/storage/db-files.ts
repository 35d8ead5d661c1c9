/**
 * Whether the database file and its WAL are still the ones this process
 * opened. SQLite keeps writing through its open descriptors after the files
 * are unlinked (or replaced by a restored copy): every commit succeeds, and
 * a restart opens something else — a new empty database, or the copy. The
 * identity (device, inode) of both files is taken at open and compared on
 * every commit, readiness check and timer tick; a mismatch is a storage
 * failure that refuses writes instead of acknowledging them into a file
 * nobody will find. (`-shm` is left out: SQLite rebuilds it from the WAL.)
 */
import { readdirSync, readlinkSync, statSync } from 'node:fs';

interface FileIdentity {
  dev: number;
  ino: number;
}

/** The error every write gets once the files went away; `code` names it in the 503 and the log. */
export class DbFilesGoneError extends Error {
  readonly code = 'PROPWATCH_DB_FILES_GONE';
}

function identityOf(path: string): FileIdentity | null {
  try {
    const stat = statSync(path);
    return { dev: stat.dev, ino: stat.ino };
  } catch {
    return null;
  }
}

const describe = (identity: FileIdentity | null) => (identity === null ? 'missing' : `inode ${identity.ino}`);

export class DbFiles {
  readonly #files: readonly { path: string; opened: FileIdentity | null }[];

  /** Call right after opening in WAL mode, when both files exist. */
  constructor(readonly path: string) {
    this.#files = [path, `${path}-wal`].map((file) => ({ path: file, opened: identityOf(file) }));
  }

  /** A DbFilesGoneError when a file that was open is now missing or another file, else null. */
  check(): DbFilesGoneError | null {
    for (const file of this.#files) {
      if (file.opened === null) continue; // not there at open (no WAL on this file system): nothing to compare
      const now = identityOf(file.path);
      if (now !== null && now.dev === file.opened.dev && now.ino === file.opened.ino) continue;
      return new DbFilesGoneError(
        `${file.path} was deleted or replaced while the aggregator ran (${describe(file.opened)} → ${describe(now)}): ` +
          `a write now would not survive a restart, so writes are refused. ${this.#salvageHint()}`,
      );
    }
    return null;
  }

  /**
   * Where the unlinked files can still be read: this process holds them open, and Linux shows them as
   * /proc/<pid>/fd/<n> until it exits. Copying both (the database and its -wal, side by side) saves every
   * acknowledged report; stopping the aggregator first would lose them.
   */
  #salvageHint(): string {
    const open: string[] = [];
    try {
      for (const fd of readdirSync('/proc/self/fd')) {
        let target: string;
        try {
          target = readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          continue;
        }
        if (target === `${this.path} (deleted)`) open.push(`/proc/${process.pid}/fd/${fd} (the database)`);
        if (target === `${this.path}-wal (deleted)`) open.push(`/proc/${process.pid}/fd/${fd} (its -wal)`);
      }
    } catch {
      // not Linux: no /proc
    }
    return open.length
      ? `Before stopping the aggregator, copy ${open.join(' and ')} to a safe place as <name>.db and <name>.db-wal; ` +
          'put them back at the configured path, then restart.'
      : 'Restore the original files at the configured path, then restart the aggregator.';
  }
}
