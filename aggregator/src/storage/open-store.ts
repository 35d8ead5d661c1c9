/**
 * The store the configuration asks for: SQLite on `storage.path`, or
 * PostgreSQL at `storage.url` (password from storage.password, i.e.
 * PROPWATCH_STORAGE__PASSWORD, or storage.passwordFile). Opening does not
 * connect: the PostgreSQL store connects and migrates on first use.
 */
import type { AggregatorConfig } from '../config.js';
import type { RoundStore } from './round-store.js';
import { PgRoundStore } from './pg/pg-store.js';
import { SqliteRoundStore } from './sqlite-store.js';

/** Enough of a logger (pino's, fastify's) for the store's warnings. */
export interface StoreLog {
  warn(details: object, message: string): void;
}

export function openStore(storage: AggregatorConfig['storage'], log?: StoreLog): RoundStore {
  if (storage.backend === 'sqlite')
    return new SqliteRoundStore({ path: storage.path, synchronous: storage.synchronous });
  // checkConfig made sure of it; a direct caller that skipped it gets a clear error rather than a default host.
  if (storage.url === undefined) throw new Error('storage.url must be set when storage.backend is postgres');
  return new PgRoundStore({
    url: storage.url,
    password: storage.password,
    passwordFile: storage.passwordFile,
    poolSize: storage.poolSize,
    connectTimeoutMs: storage.connectTimeoutMs,
    statementTimeoutMs: storage.statementTimeoutMs,
    warn: (message) => log?.warn({ key: 'storage.url' }, message),
    // Errors come scrubbed of the password (pg-errors.ts).
    onConnectionError: (error) => log?.warn({ err: error }, 'a pooled PostgreSQL connection broke; it is replaced'),
  });
}
