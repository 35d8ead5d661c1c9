/**
 * The saved status a restart starts from, so `since` (and the state it belongs to) survives it: without it, an
 * alarm that has lasted an hour reads "since 2 s" after an upgrade, and the first evaluation after the restart
 * would announce the alarm again. It is the store's status row now (transition-store.ts: shared by replicas,
 * written in the transaction that decides each transition); aggregators before it kept the status in a file
 * beside the database, which is read once to seed an empty status row and never written again.
 */
import { readFile } from 'node:fs/promises';
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
  return acceptSavedStatus(value, now, path, logger);
}

/**
 * `value` if it is a status dated no later than `now`, else null (logged, naming `where` it came from): a
 * since in the future (the wall clock stepped back) would make every duration negative.
 */
export function acceptSavedStatus(value: unknown, now: number, where: string, logger?: WarnLog): Status | null {
  if (value === null) return null;
  if (!checkStatus.Check(value) || !(Date.parse(value.since) <= now)) {
    logger?.warn({ where }, 'the saved status is not a status of this aggregator (or dated after now); ignored');
    return null;
  }
  return value;
}
