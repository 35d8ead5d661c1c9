/**
 * The PostgreSQL schema as versioned migrations (same tables and columns as
 * the SQLite store's migrations 1–6, written fresh: there is no older
 * PostgreSQL schema to upgrade). Migrations run under a transaction-scoped
 * advisory lock, so two aggregators starting at once do not both migrate: the
 * second waits, then finds every version recorded and runs nothing. DDL is
 * transactional in PostgreSQL, so a failed migration leaves no half schema.
 * Never edit a released migration; add one.
 */
import { HISTOGRAM_SIZE } from '../../rollup/rollup-cell.js';
import type { Queryable } from './pg-pool.js';

/** Advisory lock key (pg_advisory_xact_lock(bigint)) held while migrating: "propwatch migrate". */
export const MIGRATION_LOCK = 0x70776d69;

/** Text compared in code (round ids, serial keys, probe ids) sorts bytewise, as in JavaScript and SQLite. */
const KEY = 'text COLLATE "C" NOT NULL';

const rollupTable = (table: string) => `CREATE TABLE ${table} (
    bucket bigint NOT NULL,
    series bigint NOT NULL,
    count bigint NOT NULL,
    timeouts bigint NOT NULL,
    sum_ms double precision NOT NULL,
    min_ms double precision NOT NULL,
    max_ms double precision NOT NULL,
    low_ms double precision NOT NULL,
    high_ms double precision,
    max_ref bigint,
    ${Array.from({ length: HISTOGRAM_SIZE }, (_, i) => `h${i} bigint NOT NULL`).join(', ')},
    PRIMARY KEY (bucket, series)
  );`;

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'rounds, POP results, probes, series, rollups, readiness, state changes, catchment changes',
    sql: `
      CREATE TABLE rounds (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        probe_id ${KEY},
        round_id ${KEY},
        probe_region text NOT NULL,
        probe_version text NOT NULL,
        zone text NOT NULL,
        record text NOT NULL,
        serial text NOT NULL,
        serial_key ${KEY},
        started_at text NOT NULL,
        started_at_ms bigint NOT NULL,
        order_ms bigint NOT NULL,
        state text NOT NULL,
        elapsed_ms double precision NOT NULL,
        submit_to_ack_ms double precision NOT NULL,
        write_error text,
        max_wait_ms double precision,
        first_received_at bigint NOT NULL,
        received_at bigint NOT NULL,
        UNIQUE (probe_id, round_id)
      );
      CREATE INDEX rounds_by_received ON rounds (received_at, id);
      CREATE INDEX rounds_by_probe_sequence ON rounds (probe_id, serial_key DESC, first_received_at DESC, round_id DESC);
      CREATE INDEX rounds_by_order ON rounds (order_ms DESC, serial_key DESC, first_received_at DESC, round_id DESC);
      CREATE TABLE pop_results (
        round_ref bigint NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        position integer NOT NULL,
        pop text NOT NULL,
        target text NOT NULL,
        nsid text,
        state text NOT NULL,
        lower_ms double precision NOT NULL,
        upper_ms double precision,
        estimate_ms double precision,
        queries bigint NOT NULL,
        failures bigint NOT NULL,
        rtt_ms double precision,
        last_error text,
        PRIMARY KEY (round_ref, position)
      );
      CREATE TABLE probes (
        id text COLLATE "C" PRIMARY KEY,
        region text NOT NULL,
        version text NOT NULL,
        first_seen_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        last_round_id ${KEY},
        last_round_state text NOT NULL,
        last_round_started_at_ms bigint NOT NULL,
        last_round_serial_key ${KEY},
        last_round_first_received_at bigint NOT NULL,
        max_wait_ms double precision
      );
      CREATE TABLE health (id integer PRIMARY KEY CHECK (id = 1), checked_at bigint NOT NULL, ballast bytea);
      CREATE TABLE pop_series (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        probe_id ${KEY},
        pop ${KEY},
        first_seen_at bigint NOT NULL,
        last_seen_at bigint NOT NULL,
        UNIQUE (probe_id, pop)
      );
      CREATE INDEX pop_series_by_last_seen ON pop_series (last_seen_at);
      ${rollupTable('rollup_1m')}
      ${rollupTable('rollup_10m')}
      ${rollupTable('rollup_1h')}
      CREATE TABLE state_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at bigint NOT NULL,
        state text NOT NULL,
        previous text NOT NULL,
        reason text NOT NULL,
        pop text,
        worst_ms double precision
      );
      CREATE INDEX state_changes_by_at ON state_changes (at);
      CREATE TABLE catchment_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        probe_id text NOT NULL,
        via text NOT NULL,
        from_pop text,
        to_pop text,
        round_id text NOT NULL,
        at bigint NOT NULL
      );
      CREATE INDEX catchment_changes_by_at ON catchment_changes (at);
    `,
  },
];

/**
 * Applies pending migrations in one transaction holding the migration lock; returns the versions it ran (none
 * when another aggregator got there first). Refuses a schema written by a newer aggregator.
 */
export async function migratePg(client: Queryable, migrations: readonly PgMigration[] = PG_MIGRATIONS) {
  await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((row) => row.version));
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const unknown = [...applied].filter((version) => version > newest);
  if (unknown.length)
    throw new Error(
      `database schema version ${Math.max(...unknown)} is newer than this aggregator knows (${newest}); ` +
        'upgrade the aggregator',
    );
  const ran: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    await client.query(migration.sql);
    await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      migration.version,
      migration.name,
      Date.now(),
    ]);
    ran.push(migration.version);
  }
  return ran;
}
