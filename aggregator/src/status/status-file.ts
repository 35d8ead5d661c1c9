/**
 * The last status, kept in a small file beside the database so `since` (and
 * the state it belongs to) survives a restart: without it, an alarm that has
 * lasted an hour reads "since 2 s" after an upgrade, and the first evaluation
 * after the restart would announce the alarm again. A file rather than a
 * table: it is one record rewritten on each state change, and it leaves the
 * schema migrations alone.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { Status } from '@propwatch/shared';
import { Compile } from 'typebox/compile';

/** Far above a real status (a reason is a few hundred characters); a bigger file is not ours. */
const MAX_FILE_BYTES = 64 * 1024;
const checkStatus = Compile(Status);

/** Enough of a logger (pino's, fastify's) for the two warnings here. */
interface WarnLog {
  warn(details: object, message: string): void;
}

/** Where the status of the database at `databasePath` is kept; null for an in-memory database. */
export function statusFilePath(databasePath: string): string | null {
  return databasePath === ':memory:' ? null : `${databasePath}.status.json`;
}

/**
 * The status saved by the previous run, or null: no file, a file that is not
 * a status, or one whose `since` is after `now` (the wall clock stepped back)
 * — a since in the future would make every duration negative.
 */
export async function readStatusFile(path: string, now: number, logger?: WarnLog): Promise<Status | null> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_FILE_BYTES) throw new Error(`${bytes.length} bytes, more than ${MAX_FILE_BYTES}`);
    text = bytes.toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    logger?.warn({ err: error, path }, 'cannot read the saved status; since starts now');
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!checkStatus.Check(value) || !(Date.parse(value.since) <= now)) {
    logger?.warn({ path }, 'the saved status is not a status of this aggregator (or dated after now); ignored');
    return null;
  }
  return value;
}

export interface StatusSaver {
  /** Saves `status` atomically (a reader never sees half a file); failures are logged, the aggregator goes on. */
  save(status: Status): void;
  /** Resolves when every save asked for so far is done: the aggregator waits for it when it closes. */
  idle(): Promise<void>;
}

export function createStatusSaver(path: string, logger?: WarnLog): StatusSaver {
  let chain = Promise.resolve();
  const save = async (status: Status) => {
    const temporary = `${path}.tmp`;
    try {
      await writeFile(temporary, `${JSON.stringify(status)}\n`);
      await rename(temporary, path);
    } catch (error) {
      logger?.warn({ err: error, path }, 'cannot save the status; after a restart since will start again');
    }
  };
  return {
    // Saves run one after the other, so an older status never overwrites a newer one.
    save: (status) => void (chain = chain.then(() => save(status))),
    idle: () => chain,
  };
}
