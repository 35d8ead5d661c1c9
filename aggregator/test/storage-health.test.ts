/**
 * Storage failure is visible (issue 12, item 10), in process on real SQLite
 * files: a failed report write makes /readyz 503 at once, even while the
 * readiness probe's own small write still succeeds (what a full disk does:
 * SQLite commits a page into WAL space it already has); the database or its
 * WAL unlinked or replaced under the running app is detected on the next
 * write, on /readyz and on a timer, logged at error, and ingest answers 503
 * instead of acknowledging into a file that a restart would not find.
 */
import { copyFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '@propwatch/shared';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { build } from '../src/app.js';
import { resolveConfig } from '../src/resolve-config.js';
import { FakeClock, TOKENS, ingest, report, tempDir } from './helpers.js';
import { FaultyStore } from './outage-helpers/faulty-store.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface LogLine {
  level: number;
  msg: string;
  reason?: string;
  [key: string]: unknown;
}

function start(options: { storage?: Record<string, unknown>; faulty?: boolean } = {}) {
  const temp = tempDir();
  const dbPath = join(temp.dir, 'propwatch.db');
  const lines: LogLine[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString()) as LogLine);
        callback();
      },
    }),
  });
  const config = resolveConfig({
    storage: { path: dbPath, ...options.storage },
    probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
    ingest: { reportsPerSecond: 1000, burst: 1000 },
  });
  const faulty = options.faulty ? new FaultyStore(dbPath) : undefined;
  const app = build({ config, clock: new FakeClock(), logger, ...(faulty ? { store: faulty } : {}) });
  cleanups.push(async () => {
    await app.close();
    temp.cleanup();
  });
  return { app, dbPath, dir: temp.dir, lines, faulty };
}

const readyz = async (app: FastifyInstance) => {
  const response = await app.inject('/readyz');
  return { status: response.statusCode, body: response.json<{ status: string; reason?: string }>() };
};
const errors = (lines: LogLine[]) => lines.filter((line) => line.level >= 50);

describe('a failed write flips readiness at once', () => {
  test('ingest 503 → /readyz 503 although a small write still fits; ready again after a real write succeeds', async () => {
    const { app, faulty, lines } = start({ faulty: true });
    expect((await ingest(app, report('p1'))).statusCode).toBe(200);
    expect((await readyz(app)).status).toBe(200);

    // A full disk: report commits fail, while the readiness probe's one-page write still lands in the WAL.
    faulty!.fault = 'SQLITE_FULL';
    faulty!.smallWritesSucceed = true;
    const refused = await ingest(app, report('p1', { id: 'p1-r2' }));
    expect(refused.statusCode).toBe(503);
    const ready = await readyz(app);
    expect(ready).toEqual({
      status: 503,
      body: { status: 'not ready', reason: expect.stringMatching(/storage writes fail \(SQLITE_FULL since .*\)/) },
    });
    expect(errors(lines).map((line) => line.msg)).toContain(
      'storage writes are failing: /readyz answers 503 until a write succeeds',
    );

    // Space again: the readiness probe's recovery write (large enough to need new space) succeeds.
    faulty!.fault = null;
    expect((await readyz(app)).status).toBe(200);
    expect(lines.map((line) => line.msg)).toContain('storage writes succeed again');
    expect((await ingest(app, report('p1', { id: 'p1-r3' }))).statusCode).toBe(200);
  });

  test('a failing recovery write keeps readiness at 503', async () => {
    const { app, faulty } = start({ faulty: true });
    faulty!.fault = 'SQLITE_READONLY';
    faulty!.smallWritesSucceed = true;
    expect((await ingest(app, report('p1'))).statusCode).toBe(503);
    for (let i = 0; i < 3; i++) expect((await readyz(app)).status).toBe(503);
  });
});

describe('the database files going away under the running app', () => {
  const unlinkAll = (dbPath: string) => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
  };

  test('unlinked: /readyz 503, ingest 503 and nothing acknowledged, an error log line naming the file and how to save it', async () => {
    const { app, dbPath, lines } = start();
    expect((await ingest(app, report('p1'))).statusCode).toBe(200);
    unlinkAll(dbPath);

    const ready = await readyz(app);
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toMatch(/PROPWATCH_DB_FILES_GONE/);
    expect(ready.body.reason).not.toContain(dbPath); // /readyz is open: no paths
    const refused = await ingest(app, report('p1', { id: 'p1-r2' }));
    expect(refused.statusCode).toBe(503);
    expect(refused.json().message).toContain('storage refused the write (PROPWATCH_DB_FILES_GONE)');
    const gone = errors(lines).find((line) => (line.reason ?? '').includes('deleted or replaced'));
    expect(gone, JSON.stringify(errors(lines))).toBeDefined();
    expect(gone!.reason).toContain(dbPath);
    // The files are still open in this process: the line says where to copy them from before stopping it.
    expect(gone!.reason).toMatch(new RegExp(`/proc/${process.pid}/fd/\\d+`));
    // Still refused, still not ready: nothing is acknowledged into the unlinked file.
    expect((await ingest(app, report('p2', { id: 'p2-r1' }), 'p2')).statusCode).toBe(503);
    expect((await readyz(app)).status).toBe(503);
  });

  test('replaced by another file (a restored copy: new inode) is detected the same way', async () => {
    const { app, dbPath, dir } = start();
    expect((await ingest(app, report('p1'))).statusCode).toBe(200);
    const copy = join(dir, 'copy.db');
    copyFileSync(dbPath, copy);
    renameSync(copy, dbPath);
    expect((await ingest(app, report('p1', { id: 'p1-r2' }))).statusCode).toBe(503);
    expect((await readyz(app)).body.reason).toMatch(/PROPWATCH_DB_FILES_GONE/);
  });

  test('only the WAL unlinked is detected too', async () => {
    const { app, dbPath } = start();
    expect((await ingest(app, report('p1'))).statusCode).toBe(200);
    rmSync(`${dbPath}-wal`);
    expect((await ingest(app, report('p1', { id: 'p1-r2' }))).statusCode).toBe(503);
    expect((await readyz(app)).status).toBe(503);
  });

  test('detected on the storage.fileCheckIntervalMs timer, without any request, and logged once', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { app, dbPath, lines } = start({ storage: { fileCheckIntervalMs: 1_000 } });
    await app.ready();
    unlinkAll(dbPath);
    expect(errors(lines)).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    const gone = errors(lines).filter((line) => (line.reason ?? '').includes('deleted or replaced'));
    expect(gone).toHaveLength(1);
    expect(gone[0]).toMatchObject({ code: 'PROPWATCH_DB_FILES_GONE' });
  });
});
