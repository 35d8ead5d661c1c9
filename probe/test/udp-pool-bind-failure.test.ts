/**
 * A replacement socket that cannot be bound must not lose queries: the old
 * socket serves on and the bind is retried later; a family with no socket at
 * all fails its queries as counted `network` failures naming the bind error.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { prepareQuery, RRClass, RRType } from '@propwatch/dns';
import { openPoolSocket, type OpenPoolSocket } from '../src/querier/pool-socket.js';
import { emptyStats, type QuerierStats } from '../src/querier/results.js';
import { BIND_RETRY_MS } from '../src/querier/rotating-sockets.js';
import { resolveTarget, type ResolvedTarget } from '../src/querier/target-address.js';
import { UdpPool, type UdpOutcome, type UdpPoolOptions } from '../src/querier/udp-pool.js';
import { startRawResponder, type RawResponder } from './dns-fixtures.js';

const prepared = prepareQuery({
  name: 'p1._propwatch.propwatch.test',
  type: RRType.TXT,
  class: RRClass.IN,
  edns: { nsid: true, payloadSize: 1232 },
});

/** Opens real sockets, except on the calls listed in `failOn` (1-based), which fail like a bind would. */
function flakyOpener(failOn: (call: number) => boolean): { open: OpenPoolSocket; calls: () => number } {
  let calls = 0;
  const open: OpenPoolSocket = (family, options, onMessage) =>
    failOn(++calls)
      ? 'cannot bind a UDP socket to 127.0.0.1 port 0: bind EADDRINUSE'
      : openPoolSocket(family, options, onMessage);
  return { open, calls: () => calls };
}

describe('UDP pool bind failures', () => {
  let server: RawResponder;
  let target: ResolvedTarget;
  let stats: QuerierStats;
  let pool: UdpPool | undefined;
  const exchange = () => new Promise<UdpOutcome>((resolve) => pool!.exchange(target, prepared, 1000, resolve));
  const create = (options: UdpPoolOptions, open: OpenPoolSocket) =>
    (pool = new UdpPool(stats, { bind: { v4: '127.0.0.1' }, ...options }, open));

  beforeEach(async () => {
    server = await startRawResponder('127.0.0.1', (msg, rinfo, { socket }) => {
      const answer = Buffer.from(msg);
      answer[2] = answer[2]! | 0x84;
      socket.send(answer, rinfo.port, rinfo.address);
    });
    const resolved = resolveTarget({ address: server.address, port: server.port });
    if (typeof resolved === 'string') throw new Error(resolved);
    target = resolved;
    stats = emptyStats();
  });

  afterEach(async () => {
    vi.useRealTimers();
    pool?.close();
    pool = undefined;
    await server.close();
  });

  it('keeps the old socket in service when its replacement cannot be bound, and retries after BIND_RETRY_MS', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const opener = flakyOpener((call) => call === 2);
    create({ socketsPerFamily: 1, maxQueriesPerSocket: 2, maxSocketAgeMs: 0 }, opener.open);
    for (let i = 0; i < 4; i++) expect((await exchange()).kind).toBe('answer');
    const ports = () => server.received.map((r) => r.rinfo.port);
    // Queries 3 and 4 found the budget spent; the one replacement tried failed, and no other is tried within the back-off.
    expect(new Set(ports()).size).toBe(1);
    expect(opener.calls()).toBe(2);
    expect(stats.sockets).toEqual({ opened: 1, closed: 0, rotated: 0, bindFailures: 1 });
    vi.advanceTimersByTime(BIND_RETRY_MS);
    expect((await exchange()).kind).toBe('answer');
    expect(new Set(ports()).size).toBe(2);
    expect(stats.sockets).toEqual({ opened: 2, closed: 1, rotated: 1, bindFailures: 1 });
  });

  it('fails the query as a network error naming the bind error when the family has no socket', async () => {
    const opener = flakyOpener(() => true);
    create({}, opener.open);
    const outcome = await exchange();
    expect(outcome).toMatchObject({ kind: 'error', reason: 'network' });
    expect(outcome.kind === 'error' && outcome.detail).toContain('EADDRINUSE');
    expect(stats.sockets).toMatchObject({ opened: 0, bindFailures: 1 });
    expect(server.received).toHaveLength(0);
  });

  it('a real bind failure is reported at once, not as a timeout', async () => {
    // An IPv4 address for the IPv6 socket: the kernel refuses the bind (EINVAL), nothing is sent.
    pool = new UdpPool(stats, { bind: { v6: '127.0.0.1' } });
    const v6 = resolveTarget({ address: '::1', port: server.port });
    const outcome = await new Promise<UdpOutcome>((resolve) =>
      pool!.exchange(v6 as ResolvedTarget, prepared, 1000, resolve),
    );
    expect(outcome).toMatchObject({ kind: 'error', reason: 'network' });
    expect(outcome.kind === 'error' && outcome.detail).toMatch(
      /cannot bind a UDP socket to 127\.0\.0\.1 port 0: .*EINVAL/,
    );
    expect(stats.sockets.bindFailures).toBe(1);
  });

  it('fills the family up to socketsPerFamily with the sockets it can bind', async () => {
    const opener = flakyOpener((call) => call === 2);
    create({ socketsPerFamily: 2, maxQueriesPerSocket: 0, maxSocketAgeMs: 0 }, opener.open);
    for (let i = 0; i < 6; i++) expect((await exchange()).kind).toBe('answer');
    // The second socket failed; the first served everything meanwhile (retry not yet due).
    expect(stats.sockets).toMatchObject({ opened: 1, bindFailures: 1 });
    expect(new Set(server.received.map((r) => r.rinfo.port)).size).toBe(1);
  });
});
