/** PostgreSQL-only behaviour of PgRoundStore: concurrency between replicas, migrations, secrets, outages. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresAvailable } from '../../test-support/postgres.js';
import { type StoreBackend, postgresBackend } from './backends.js';
import { T0, report } from './helpers.js';

describe.skipIf(!postgresAvailable())('PgRoundStore', () => {
  const backend: StoreBackend = postgresBackend();
  beforeAll(backend.setup);
  afterAll(backend.teardown);

  test('stores a round and reads it back', async () => {
    const place = await backend.place();
    const store = place.open();
    expect((await store.upsertRound(report('p1'), T0)).outcome).toBe('inserted');
    const [round] = await store.latestRounds({ limit: 5 });
    expect(round).toMatchObject({ id: 'p1-r1', pops: report('p1').round.pops, receivedAt: T0 });
    await place.cleanup();
  });
});
