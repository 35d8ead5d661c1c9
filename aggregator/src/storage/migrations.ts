/**
 * Versioned schema migrations. Each runs once, in its own transaction, and is
 * recorded in `schema_migrations`; never edit a released migration, add one.
 */
import type Database from 'better-sqlite3';
import { HISTOGRAM_SIZE } from '../rollup/rollup-cell.js';
import { createRollupTable, histogramSums } from './rollup-sql.js';

/** A finished POP result's figure, as observePop computes it: the estimate when propagated, else the lower bound. */
const FIGURE = `CASE WHEN p.state = 'propagated'
  THEN COALESCE(p.estimate_ms, (p.lower_ms + COALESCE(p.upper_ms, p.lower_ms)) / 2.0) ELSE p.lower_ms END`;

/**
 * Series, rollups and the readiness ballast, with the rollups backfilled from the stored POP results (finished
 * ones: propagated or timeout), bucketed by the aggregator's receive time of the round's first report. SQLite
 * takes a bare column (max_ref) from the row holding the only MAX() of a query, so the minimum, envelope and
 * histogram sums come from a second pass.
 */
const MIGRATION_4 = `
  ALTER TABLE health ADD COLUMN ballast BLOB;
  CREATE TABLE pop_series (
    id INTEGER PRIMARY KEY,
    probe_id TEXT NOT NULL,
    pop TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    UNIQUE (probe_id, pop)
  );
  CREATE INDEX pop_series_by_last_seen ON pop_series (last_seen_at);
  ${createRollupTable('rollup_1m')}
  ${createRollupTable('rollup_10m')}
  ${createRollupTable('rollup_1h')}
  INSERT INTO pop_series (probe_id, pop, first_seen_at, last_seen_at)
    SELECT r.probe_id, p.pop, MIN(r.first_received_at), MAX(r.received_at)
    FROM pop_results p JOIN rounds r ON r.id = p.round_ref GROUP BY r.probe_id, p.pop;
  CREATE TEMP TABLE finals AS
    SELECT r.first_received_at / 60000 * 60000 AS bucket, s.id AS series, r.id AS ref, p.state AS state,
      ${FIGURE} AS ms, p.lower_ms AS low, IIF(p.state = 'propagated', COALESCE(p.upper_ms, p.lower_ms), NULL) AS high
    FROM pop_results p JOIN rounds r ON r.id = p.round_ref
      JOIN pop_series s ON s.probe_id = r.probe_id AND s.pop = p.pop
    WHERE p.state IN ('propagated', 'timeout') AND r.state != 'write_failed';
  INSERT INTO rollup_1m (bucket, series, count, timeouts, sum_ms, max_ms, max_ref, min_ms, low_ms, high_ms,
      ${Array.from({ length: HISTOGRAM_SIZE }, (_, i) => `h${i}`).join(', ')})
    SELECT bucket, series, COUNT(*), SUM(state = 'timeout'), SUM(ms), MAX(ms), ref, 0, 0, NULL, ${histogramSums('ms')}
    FROM finals GROUP BY bucket, series;
  UPDATE rollup_1m SET min_ms = f.min_ms, low_ms = f.low_ms, high_ms = f.high_ms
    FROM (SELECT bucket, series, MIN(ms) AS min_ms, MIN(low) AS low_ms, MAX(high) AS high_ms FROM finals
      GROUP BY bucket, series) f
    WHERE rollup_1m.bucket = f.bucket AND rollup_1m.series = f.series;
  DROP TABLE finals;
  ${coarserCells('rollup_10m', 600_000)}
  ${coarserCells('rollup_1h', 3_600_000)}
`;

/** Backfills a coarser rollup table from rollup_1m, in the same two passes (max_ref is the bare column of MAX). */
function coarserCells(table: string, lengthMs: number): string {
  return `
  INSERT INTO ${table} SELECT bucket / ${lengthMs} * ${lengthMs} AS start, series, SUM(count), SUM(timeouts),
      SUM(sum_ms), 0, MAX(max_ms), 0, NULL, max_ref,
      ${Array.from({ length: HISTOGRAM_SIZE }, (_, i) => `SUM(h${i})`).join(', ')}
    FROM rollup_1m GROUP BY start, series;
  UPDATE ${table} SET min_ms = f.min_ms, low_ms = f.low_ms, high_ms = f.high_ms
    FROM (SELECT bucket / ${lengthMs} * ${lengthMs} AS start, series, MIN(min_ms) AS min_ms, MIN(low_ms) AS low_ms,
      MAX(high_ms) AS high_ms FROM rollup_1m GROUP BY start, series) f
    WHERE ${table}.bucket = f.start AND ${table}.series = f.series;`;
}

interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'rounds, pop results, probes',
    sql: `
      CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        probe_id TEXT NOT NULL,
        round_id TEXT NOT NULL,
        probe_region TEXT NOT NULL,
        probe_version TEXT NOT NULL,
        zone TEXT NOT NULL,
        record TEXT NOT NULL,
        serial TEXT NOT NULL,
        started_at TEXT NOT NULL,
        started_at_ms INTEGER NOT NULL,
        state TEXT NOT NULL,
        elapsed_ms REAL NOT NULL,
        submit_to_ack_ms REAL NOT NULL,
        write_error TEXT,
        first_received_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        UNIQUE (probe_id, round_id)
      );
      CREATE INDEX rounds_by_received ON rounds (received_at);
      CREATE INDEX rounds_by_probe_start ON rounds (probe_id, started_at_ms DESC);
      CREATE INDEX rounds_by_start ON rounds (started_at_ms DESC);
      CREATE TABLE pop_results (
        round_ref INTEGER NOT NULL REFERENCES rounds (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        pop TEXT NOT NULL,
        target TEXT NOT NULL,
        nsid TEXT,
        state TEXT NOT NULL,
        lower_ms REAL NOT NULL,
        upper_ms REAL,
        estimate_ms REAL,
        queries INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        rtt_ms REAL,
        last_error TEXT,
        PRIMARY KEY (round_ref, position)
      ) WITHOUT ROWID;
      CREATE TABLE probes (
        id TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        version TEXT NOT NULL,
        first_seen_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        last_round_id TEXT NOT NULL,
        last_round_state TEXT NOT NULL
      );
      CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    name: 'probes: remember when the last round started, so a replayed older round cannot replace it',
    sql: `
      ALTER TABLE probes ADD COLUMN last_round_started_at_ms INTEGER NOT NULL DEFAULT 0;
      UPDATE probes SET last_round_started_at_ms = COALESCE(
        (SELECT started_at_ms FROM rounds WHERE rounds.probe_id = probes.id AND rounds.round_id = probes.last_round_id), 0);
    `,
  },
  {
    version: 3,
    name: "rounds ordered by serial, not by the probe's clock; the probe's maxWaitMs",
    // serial_key: the serial as 20 digits, so text order is numeric order (round-sequence.ts). order_ms: the
    // probe's start time made non-decreasing along its serial sequence, for lists across probes (its index
    // holds the whole sort key: SQLite does not finish a sort from an index on order_ms alone, it scans the
    // table). The probes row is recomputed in the new order: a round dated 2099 may have taken it.
    sql: `
      ALTER TABLE rounds ADD COLUMN serial_key TEXT NOT NULL DEFAULT '';
      UPDATE rounds SET serial_key = substr('00000000000000000000' || ltrim(serial, '0'), -20);
      ALTER TABLE rounds ADD COLUMN order_ms INTEGER NOT NULL DEFAULT 0;
      UPDATE rounds SET order_ms = sequence.order_ms FROM (
        SELECT id, MAX(started_at_ms) OVER (PARTITION BY probe_id ORDER BY serial_key, first_received_at, round_id
          ROWS UNBOUNDED PRECEDING) AS order_ms FROM rounds) AS sequence
        WHERE sequence.id = rounds.id;
      ALTER TABLE rounds ADD COLUMN max_wait_ms REAL;
      DROP INDEX rounds_by_probe_start;
      DROP INDEX rounds_by_start;
      CREATE INDEX rounds_by_probe_sequence ON rounds (probe_id, serial_key DESC, first_received_at DESC, round_id DESC);
      CREATE INDEX rounds_by_order ON rounds (order_ms DESC, serial_key DESC, first_received_at DESC, round_id DESC);
      ALTER TABLE probes ADD COLUMN last_round_serial_key TEXT NOT NULL DEFAULT '';
      ALTER TABLE probes ADD COLUMN last_round_first_received_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE probes ADD COLUMN max_wait_ms REAL;
      UPDATE probes SET (region, version, last_round_id, last_round_state, last_round_serial_key,
          last_round_first_received_at, last_round_started_at_ms) = (
        SELECT probe_region, probe_version, round_id, state, serial_key, first_received_at, started_at_ms FROM rounds
        WHERE rounds.probe_id = probes.id ORDER BY serial_key DESC, first_received_at DESC, round_id DESC LIMIT 1)
        WHERE EXISTS (SELECT 1 FROM rounds WHERE rounds.probe_id = probes.id);
    `,
  },
  {
    version: 4,
    name: 'series per (probe, POP), rollups per minute, ten minutes and hour (backfilled), readiness ballast',
    sql: MIGRATION_4,
  },
  {
    version: 5,
    name: 'status state changes (the alarm history)',
    sql: `
      CREATE TABLE state_changes (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        state TEXT NOT NULL,
        previous TEXT NOT NULL,
        reason TEXT NOT NULL,
        pop TEXT,
        worst_ms REAL
      );
      CREATE INDEX state_changes_by_at ON state_changes (at);
    `,
  },
  {
    version: 6,
    name: 'catchment changes: when the instance a probe reaches through an address changed',
    sql: `
      CREATE TABLE catchment_changes (
        id INTEGER PRIMARY KEY,
        probe_id TEXT NOT NULL,
        via TEXT NOT NULL,
        from_pop TEXT,
        to_pop TEXT,
        round_id TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX catchment_changes_by_at ON catchment_changes (at);
    `,
  },
  {
    version: 7,
    name: 'the decided status (versioned) and the webhook outbox, so replicas decide and send each transition once',
    // target: a hash of the URL, never the URL (it carries its secret). done_at: delivered or given up.
    sql: `
      CREATE TABLE status_row (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL,
        status TEXT
      );
      INSERT INTO status_row (id, version, status) VALUES (1, 0, NULL);
      CREATE TABLE webhook_outbox (
        id INTEGER PRIMARY KEY,
        webhook_id TEXT NOT NULL,
        target TEXT NOT NULL,
        state TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        claimed_until INTEGER,
        claim_token TEXT,
        done_at INTEGER,
        outcome TEXT,
        last_error TEXT,
        UNIQUE (webhook_id, target)
      );
      CREATE INDEX webhook_outbox_pending ON webhook_outbox (target, id) WHERE done_at IS NULL;
    `,
  },
];

/** Applies pending migrations; refuses a database written by a newer aggregator. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((row) => row.version),
  );
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const unknown = [...applied].filter((version) => version > newest);
  if (unknown.length) {
    throw new Error(
      `database schema version ${Math.max(...unknown)} is newer than this aggregator knows (${newest}); upgrade the aggregator`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const ran: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    })();
    ran.push(migration.version);
  }
  return ran;
}
