/**
 * Storage outage (disk full, read-only database), in process: the store's
 * writes fail through an injected fault that throws the SqliteError
 * better-sqlite3 throws in those cases. Why not the real thing here: the
 * suite may run as root, where chmod does not stop writes, and a read-only
 * chmod does nothing to a file SQLite already holds open anyway; a real full
 * disk (tmpfs) is in disk-full-outage.heavy.test.ts where mounting is allowed.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { eventually } from './stack.js';
import { report } from './helpers.js';
import { compareLedgers } from './outage-helpers/compare-ledger.js';
import { FaultyStore, type StorageFault } from './outage-helpers/faulty-store.js';
import { type LedgerStack, startLedgerStack } from './outage-helpers/ledger-stack.js';

let stack: LedgerStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const totalAcks = (s: LedgerStack) => s.probes.reduce((sum, p) => sum + p.ledger.acks, 0);
const finishedRounds = (s: LedgerStack) => s.probes.reduce((sum, p) => sum + p.ledger.finished.size, 0);

describe.each<StorageFault>(['SQLITE_FULL', 'SQLITE_READONLY'])('storage refuses writes (%s)', (fault) => {
  test('/readyz 503, ingest 503 with a message, probes spool, and every round arrives once fixed', async () => {
    let store: FaultyStore | undefined;
    stack = await startLedgerStack({ probes: 3, store: (path) => (store = new FaultyStore(path)) });
    const s = stack;
    await eventually(() => s.probes.every((p) => p.ledger.finished.size >= 2), Boolean, 15_000);
    expect((await s.app.inject('/readyz')).statusCode).toBe(200);

    store!.fault = fault;
    const ready = await s.app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not ready' });
    const probe = s.probes[0]!;
    const refused = await s.app.inject({
      method: 'POST',
      url: '/api/v1/rounds',
      headers: { authorization: `Bearer ${probe.token}`, 'content-type': 'application/json' },
      // Dated now: this stack runs on the real clock, and a round older than the retention is refused with a 400.
      payload: report(probe.id, { id: `${probe.id}-manual`, startedAt: new Date().toISOString() }),
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ statusCode: 503, code: 'PROPWATCH_STORAGE_UNAVAILABLE' });
    expect(refused.json().message).toContain(`storage refused the write (${fault})`);

    // While storage is down nothing is acknowledged, and finished rounds pile up in the spools.
    // (A report stored just before the fault may still be on its way back to its probe: let it land.)
    await new Promise((resolve) => setTimeout(resolve, 200));
    const acksAtFault = totalAcks(s);
    const finishedAtFault = finishedRounds(s);
    await eventually(
      () => finishedRounds(s),
      (n) => n >= finishedAtFault + 6,
      15_000,
    );
    expect(totalAcks(s)).toBe(acksAtFault);
    const spooledDuringOutage = s.spooledFiles();
    expect(spooledDuringOutage).toBeGreaterThanOrEqual(6);
    expect(store!.refused).toBeGreaterThan(0);

    store!.fault = null;
    expect((await s.app.inject('/readyz')).statusCode).toBe(200);
    await eventually(
      () => totalAcks(s),
      (n) => n > acksAtFault + spooledDuringOutage,
      15_000,
    );
    await s.stopRounds();
    await eventually(
      () => s.spooledFiles(),
      (n) => n === 0,
      15_000,
    );

    const stored = (await s.app.store.latestRounds({ limit: 100_000 })).map((r) => ({
      probe: r.probe.id,
      id: r.id,
      state: r.state,
    }));
    const comparison = compareLedgers(new Map(s.probes.map((p) => [p.id, p.ledger])), stored);
    expect(comparison.lostAcks).toEqual([]);
    expect(comparison.undelivered).toEqual([]);
    // Only the rounds cut short by stopRounds() are stored unfinished, as their last progress report.
    expect(comparison.unfinished.length).toBeLessThanOrEqual(s.probes.length);
    expect(comparison.unfinished.every((r) => r.state === 'running')).toBe(true);
    expect(comparison.storedRounds).toBe(comparison.finishedRounds + comparison.unfinished.length);
    console.info(
      `storage outage ${fault}: ${store!.refused} writes refused, ${spooledDuringOutage} reports spooled during the outage, ${comparison.finishedRounds} rounds finished, ${comparison.storedRounds} stored, 0 lost`,
    );
  });
});
