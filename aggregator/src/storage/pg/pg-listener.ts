/**
 * The PostgreSQL side of the peer feed (replicas/peer-feed.ts): a dedicated connection (LISTEN holds its
 * session, so not a pooled one) listening on the rounds channel (pg-store's upserts) and the status channel
 * (pg-transitions' commits). Notifications of rounds arriving together are read back in one query, by row
 * reference; a status notification reads the status row. The connection is re-opened with backoff (100 ms
 * doubling to 5 s) when it fails, and every (re)connect is told to the replica, which catches up with a read.
 */
import pg from 'pg';
import type { PeerEvents, PeerFeed } from '../../replicas/peer-feed.js';
import { type PopRow, type RoundRow, withPops } from '../round-rows.js';
import type { StoredRound } from '../round-store.js';
import { ROUNDS_CHANNEL, parseRoundNotification } from './notify-channel.js';
import type { PgConnection } from './pg-connection.js';
import { pgStoreError } from './pg-errors.js';
import type { PgPool } from './pg-pool.js';
import { PgTransitions, STATUS_CHANNEL } from './pg-transitions.js';

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;
/** Rounds read back per query at most (notifications beyond wait for the next read). */
const MAX_REFS_PER_READ = 1_000;

/** Rounds by row reference, with their POP results. */
export async function roundsByRef(db: PgPool, refs: readonly number[]): Promise<StoredRound[]> {
  return db.transaction(
    'reading notified rounds',
    async (q) => {
      const rounds = await q.query<RoundRow>('SELECT * FROM rounds WHERE id = ANY($1) ORDER BY id', [refs]);
      const pops = await q.query<PopRow>(
        'SELECT * FROM pop_results WHERE round_ref = ANY($1) ORDER BY round_ref, position',
        [refs],
      );
      return withPops(rounds.rows, pops.rows);
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}

export class PgListener implements PeerFeed {
  #client: pg.Client | null = null;
  #closed = false;
  #backoff = FIRST_BACKOFF_MS;
  #retry: NodeJS.Timeout | undefined;
  readonly #refs = new Set<number>();
  #reading: Promise<void> | null = null;
  #statusWanted = false;

  constructor(
    private readonly connection: PgConnection,
    private readonly db: PgPool,
    private readonly events: PeerEvents,
  ) {
    void this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
    await this.#reading;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const { max: _max, idleTimeoutMillis: _idle, ...config } = this.connection.pool;
    const client = new pg.Client({ ...config, application_name: 'propwatch-aggregator-listen' });
    client.on('notification', (message) => this.#heard(message.channel, message.payload));
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('the listening connection closed')));
    try {
      await client.connect();
      await client.query(`LISTEN ${ROUNDS_CHANNEL}`);
      await client.query(`LISTEN ${STATUS_CHANNEL}`);
    } catch (error) {
      this.#lost(client, error as Error);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#backoff = FIRST_BACKOFF_MS;
    this.events.catchUp();
  }

  #lost(client: pg.Client, error: Error): void {
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.#client === client) this.#client = null;
    if (this.#closed) return;
    this.events.onError(pgStoreError(error, 'listening for other replicas', this.connection.secrets));
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.#connect(), this.#backoff);
    this.#retry.unref();
    this.#backoff = Math.min(MAX_BACKOFF_MS, this.#backoff * 2);
  }

  #heard(channel: string, payload: string | undefined): void {
    if (channel === STATUS_CHANNEL) this.#statusWanted = true;
    else if (channel === ROUNDS_CHANNEL) {
      const notification = parseRoundNotification(payload);
      if (notification) this.#refs.add(notification.ref);
    }
    this.#schedule();
  }

  #schedule(): void {
    this.#reading ??= this.#read().finally(() => {
      this.#reading = null;
      if (this.#refs.size > 0 || this.#statusWanted) this.#schedule();
    });
  }

  /** Reads back what the notifications named (one read per burst: those arriving meanwhile wait for the next). */
  async #read(): Promise<void> {
    // Notifications arriving in the same turn share the read.
    await new Promise((resolve) => setImmediate(resolve));
    const refs = [...this.#refs].slice(0, MAX_REFS_PER_READ);
    for (const ref of refs) this.#refs.delete(ref);
    const status = this.#statusWanted;
    this.#statusWanted = false;
    try {
      if (refs.length > 0) this.events.onRounds(await roundsByRef(this.db, refs));
      if (status) this.events.onStatus(await new PgTransitions(this.db).statusRow());
    } catch (error) {
      // What was named is not lost: the replica catches up with a read of its own.
      this.events.onError(error as Error);
      this.events.catchUp();
    }
  }
}
