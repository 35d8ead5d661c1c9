/**
 * Versioned schema migrations. Each runs once, in its own transaction, and is
 * recorded in `schema_migrations`; never edit a released migration, add one.
 */
import type Database from 'better-sqlite3';

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
