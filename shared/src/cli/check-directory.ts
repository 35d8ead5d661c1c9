/**
 * Where a command keeps state must be usable before it starts: a missing or
 * unwritable directory is a config error naming the key (exit 78), not a
 * stack trace from SQLite or a lost serial at the first round.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { ConfigError } from '../config/config-error.js';

export interface DirectoryCheck {
  /** The config key that names it: `stateDir`, `storage.path`. */
  key: string;
  /** The key's value as configured (the file path for `storage.path`). */
  value: string;
  /** Where the value came from (LoadedConfig.sourceOf). */
  source: string;
  /** What the key must name, for the message: "a directory the probe can create and write". */
  expected: string;
  /** Create it (and its parents) when missing; otherwise a missing directory is the error. */
  create: boolean;
}

/** Checks (and with `create`, makes) `dir`; throws a ConfigError that says what is wrong with it. */
export function checkDirectory(dir: string, check: DirectoryCheck): void {
  const fail = (why: string): never => {
    throw new ConfigError(check.key, check.value, `${check.expected} (${why})`, check.source);
  };
  try {
    if (check.create) mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) fail(`${dir} is not a directory`);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') fail(`${dir} does not exist: create it, or fix the path`);
    fail((error as Error).message);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (error) {
    fail(`${dir} is not writable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
