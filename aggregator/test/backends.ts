/**
 * The store backends the contract tests run against: SQLite (a temp file) and
 * PostgreSQL (one throwaway cluster per test file, a fresh database per
 * place). PostgreSQL is left out where it is not installed, unless CI requires
 * it (CI_REQUIRE_POSTGRES=1: postgresAvailable throws).
 *
 *   describe.each(storeBackends())('$name store', (backend) => {
 *     beforeAll(backend.setup); afterAll(backend.teardown);
 *     test('…', async () => { const place = await backend.place(); const store = place.open(); … });
 *   });
 */
import { join } from 'node:path';
import { type PostgresCluster, postgresAvailable, startPostgres } from '../../test-support/postgres.js';
import type { RoundStore } from '../src/storage/round-store.js';
import { SqliteRoundStore } from '../src/storage/sqlite-store.js';
import { PgRoundStore } from '../src/storage/pg/pg-store.js';
import { tempDir } from './helpers.js';

/** Where a store lives: opened again after close, it sees what was stored (a restart). */
export interface StorePlace {
  open(): RoundStore;
  /** For PostgreSQL: the URL of the database (with the test password). */
  url?: string;
  cleanup(): Promise<void>;
}

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  setup: () => Promise<void>;
  teardown: () => Promise<void>;
  place: () => Promise<StorePlace>;
  /** The PostgreSQL cluster (postgres backend, after setup). */
  cluster?: PostgresCluster;
}

const sqlite = (): StoreBackend => ({
  name: 'sqlite',
  setup: async () => undefined,
  teardown: async () => undefined,
  place: async () => {
    const temp = tempDir();
    const path = join(temp.dir, 'rounds.db');
    return { open: () => new SqliteRoundStore({ path }), cleanup: async () => temp.cleanup() };
  },
});

/** Store options for a database URL of the test cluster (the password passed apart, as operators should). */
export function pgStoreOptions(url: string) {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { url: parsed.toString(), password, poolSize: 4, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 };
}

let databases = 0;

export function postgresBackend(): StoreBackend {
  const backend: StoreBackend = {
    name: 'postgres',
    setup: async () => {
      backend.cluster = await startPostgres();
    },
    teardown: async () => {
      await backend.cluster?.destroy();
    },
    place: async () => {
      if (!backend.cluster) throw new Error('postgres backend: setup() first');
      const url = await backend.cluster.createDatabase(`store_${process.pid}_${++databases}`);
      const opened: RoundStore[] = [];
      return {
        url,
        open: () => {
          const store = new PgRoundStore(pgStoreOptions(url));
          opened.push(store);
          return store;
        },
        // Stores a test left open would keep the database busy; closing twice is harmless.
        cleanup: async () => void (await Promise.all(opened.map((store) => store.close()))),
      };
    },
  };
  return backend;
}

/** SQLite always; PostgreSQL where it is installed (or required). */
export function storeBackends(): StoreBackend[] {
  return postgresAvailable() ? [sqlite(), postgresBackend()] : [sqlite()];
}
