import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PostgresCluster, postgresAvailable, startPostgres } from './postgres.js';

describe.skipIf(!postgresAvailable())('throwaway PostgreSQL cluster', () => {
  let pg: PostgresCluster;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.destroy();
  });

  it('answers on loopback with a password, survives a stop, a start and a SIGKILL', async () => {
    expect(pg.url).toMatch(/^postgres:\/\/propwatch:[0-9a-f]{24}@127\.0\.0\.1:\d+\/propwatch$/);
    expect(pg.psql('SELECT 1')).toBe('1\n');
    const url = await pg.createDatabase('contract_a');
    expect(url.endsWith('/contract_a')).toBe(true);
    pg.psql('CREATE TABLE t (v int); INSERT INTO t VALUES (42)', 'contract_a');
    await pg.stop();
    expect(() => pg.psql('SELECT 1')).toThrow();
    await pg.start();
    await pg.kill();
    await pg.start();
    expect(pg.psql('SELECT v FROM t', 'contract_a')).toBe('42\n');
  });
});
