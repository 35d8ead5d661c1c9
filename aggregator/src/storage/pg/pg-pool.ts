/**
 * The connection pool and the one transaction shape every write uses. Bigint
 * columns (ms since the epoch, row ids) are read as numbers: they stay far
 * below 2^53. A connection that breaks while idle (server restart) is logged
 * and dropped by the pool instead of crashing the process.
 */
import pg from 'pg';
import { type PgConnection } from './pg-connection.js';
import { pgStoreError } from './pg-errors.js';
import { RoundConflictError } from '../round-store.js';

/** What queries run on: the pool (one statement) or a client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

const INT8_OID = 20;
/** The driver's parsers, except int8 read as a number. */
const types = {
  getTypeParser(oid: number): (value: string) => unknown {
    if (oid === INT8_OID) return (value: string) => Number(value);
    // Every query here uses the text format: the driver's own text parser for every other type.
    const parse = pg.types.getTypeParser(oid, 'text') as (value: string) => unknown;
    return parse;
  },
} as unknown as typeof pg.types;

export class PgPool {
  readonly pool: pg.Pool;
  readonly #secrets: readonly string[];

  constructor(connection: PgConnection, onIdleError: (error: Error) => void) {
    this.pool = new pg.Pool({ ...connection.pool, types });
    this.#secrets = connection.secrets;
    this.pool.on('error', (error) => onIdleError(pgStoreError(error, 'idle connection', this.#secrets)));
  }

  /** One statement on any pooled connection; failures become PgStoreErrors. */
  async query<R extends pg.QueryResultRow>(doing: string, text: string, values?: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw pgStoreError(error, doing, this.#secrets);
    }
  }

  /**
   * Runs `work` in a transaction (`begin` may set the isolation level). A RoundConflictError passes through
   * unchanged after the rollback; anything else is wrapped as a PgStoreError.
   */
  async transaction<T>(doing: string, work: (client: Queryable) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw pgStoreError(error, doing, this.#secrets);
    }
    let broken: Error | undefined;
    // The pool listens for errors only on idle connections: a checked-out one that the server terminates (a
    // PostgreSQL shutdown or restart) emits 'error', which with no listener kills the process. The statement in
    // flight fails with it too; the connection is not reused.
    const onError = (error: Error) => (broken = error);
    client.on('error', onError);
    try {
      await client.query(begin);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: Error) => (broken = rollback));
      throw error instanceof RoundConflictError ? error : pgStoreError(error, doing, this.#secrets);
    } finally {
      // A connection whose rollback failed is in an unknown state: the pool closes it instead of reusing it.
      client.off('error', onError);
      client.release(broken);
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
