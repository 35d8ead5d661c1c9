import { afterEach, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { call } from './api-client.js';
import { RRType, queryTcp, queryUdp, soaSerial } from './dns-client.js';
import { waitFor } from './wait-for.js';

const RECORD = 'p1._propwatch.propwatch.test';
let net: SimNetwork | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});
const writeCanary = (n: SimNetwork, serial: number) =>
  call(`${n.apiUrl}/zones/${n.zoneId}/dns_records`, n.apiToken, 'POST', {
    type: 'TXT',
    name: RECORD,
    content: `propwatch=1 serial=${serial} probe=p1`,
    ttl: 60,
  });

describe('POP faults', () => {
  it('down answers nothing on UDP or TCP, and answers again once cleared', async () => {
    net = await startSimNetwork({ pops: 2, timeScale: 0, faults: { SJC: { kind: 'down' } } });
    const [sjc, lax] = net.pops;
    expect(await queryUdp(sjc!.address, sjc!.port, { name: net.zone, type: RRType.SOA, timeoutMs: 200 })).toBeNull();
    expect(await queryTcp(sjc!.address, sjc!.port, { name: net.zone, type: RRType.SOA, timeoutMs: 200 })).toBeNull();
    expect(await queryUdp(lax!.address, lax!.port, { name: net.zone, type: RRType.SOA })).not.toBeNull();
    net.setFault('SJC', null);
    expect((await queryUdp(sjc!.address, sjc!.port, { name: net.zone, type: RRType.SOA }))?.header.aa).toBe(true);
  });

  it('flaky drops about the configured fraction of queries, reproducibly counted', async () => {
    net = await startSimNetwork({ pops: 1, seed: 5, timeScale: 0, faults: { SJC: { kind: 'flaky', dropRate: 0.3 } } });
    const pop = net.pops[0]!;
    const total = 300;
    let answered = 0;
    for (let batch = 0; batch < total / 50; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 50 }, () =>
          queryUdp(pop.address, pop.port, { name: net!.zone, type: RRType.SOA, timeoutMs: 1500 }),
        ),
      );
      answered += replies.filter(Boolean).length;
    }
    const dropRate = 1 - answered / total;
    expect(dropRate).toBeGreaterThan(0.2);
    expect(dropRate).toBeLessThan(0.4);
    expect(net.popStatus()[0]!.counters.dropped).toBe(total - answered);
  });

  it('slow adds its extra delay (scaled) to the arrival of each change', async () => {
    net = await startSimNetwork({
      pops: 2,
      seed: 2,
      timeScale: 0.02,
      faults: { LAX: { kind: 'slow', extraMs: 3000 } },
    });
    const n = net;
    await writeCanary(n, 7);
    const served = await waitFor(() => {
      const map = n.truth.servedAt(RECORD, 7n);
      return [...map.values()].every(Boolean) ? map : undefined;
    }, 'both POPs serving');
    const commit = n.truth.commits()[1]!.committedAt.monotonicMs;
    const planned = n.plannedDelays(1)!;
    expect(planned.get('LAX')!.slowMs).toBeCloseTo(60, 6);
    expect(planned.get('LAX')!.arrivalMs).toBeCloseTo(planned.get('LAX')!.regionMs + planned.get('LAX')!.hopMs + 60, 6);
    expect(served.get('LAX')!.monotonicMs - commit).toBeCloseTo(planned.get('LAX')!.arrivalMs!, 6);
  });

  it('stuck never gets the change until cleared, then catches up', async () => {
    net = await startSimNetwork({ pops: 3, seed: 4, timeScale: 0.01 });
    const n = net;
    n.setFault('ORD', { kind: 'stuck' });
    await writeCanary(n, 9);
    await waitFor(
      () =>
        n
          .popStatus()
          .filter((p) => p.name !== 'ORD')
          .every((p) => p.appliedVersion === 1),
      'the other POPs on version 1',
    );
    await new Promise((resolve) => setTimeout(resolve, 100)); // several times the longest scaled delay
    const ord = n.pops.find((p) => p.name === 'ORD')!;
    expect(soaSerial((await queryUdp(ord.address, ord.port, { name: n.zone, type: RRType.SOA }))!)).toBe(1);
    expect(n.truth.servedAt(RECORD, 9n).get('ORD')).toBeNull();
    const cleared = performance.now();
    n.setFault('ORD', null);
    const at = await waitFor(() => n.truth.servedAt(RECORD, 9n).get('ORD'), 'ORD catching up');
    expect(at.monotonicMs).toBeGreaterThan(cleared);
    expect(soaSerial((await queryTcp(ord.address, ord.port, { name: n.zone, type: RRType.SOA }))!)).toBe(2);
  });

  it('faults are visible and settable through the admin API', async () => {
    net = await startSimNetwork({ pops: 2, timeScale: 0, adminToken: 'admin-secret-1' });
    const put = await call(`${net.adminUrl}/pops/lax/fault`, 'admin-secret-1', 'PUT', { kind: 'flaky', dropRate: 0.5 });
    expect(put.status).toBe(200);
    expect(net.getFault('LAX')).toEqual({ kind: 'flaky', dropRate: 0.5 });
    const list = await call(`${net.adminUrl}/pops`, 'admin-secret-1');
    expect((list.body.result as Array<{ name: string; fault: unknown }>).find((p) => p.name === 'LAX')?.fault).toEqual({
      kind: 'flaky',
      dropRate: 0.5,
    });
    expect((await call(`${net.adminUrl}/pops/LAX/fault`, 'admin-secret-1', 'DELETE')).status).toBe(200);
    expect(net.getFault('LAX')).toBeNull();
    const bad = await call(`${net.adminUrl}/pops/LAX/fault`, 'admin-secret-1', 'PUT', { kind: 'melting' });
    expect([bad.status, bad.body.errors[0]?.message]).toEqual([
      400,
      'body: kind must be one of slow, stuck, down, flaky, got "melting"',
    ]);
    const unknown = await call(`${net.adminUrl}/pops/XYZ/fault`, 'admin-secret-1', 'PUT', { kind: 'down' });
    expect(unknown.status).toBe(404);
    expect((await call(`${net.adminUrl}/pops`, net.apiToken)).status).toBe(403);
  });
});
