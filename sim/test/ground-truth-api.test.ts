import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { call } from './api-client.js';
import { waitFor } from './wait-for.js';

const RECORD = 'p9._propwatch.propwatch.test';
let net: SimNetwork;
beforeAll(async () => {
  net = await startSimNetwork({ pops: 3, seed: 21, timeScale: 0.01 });
});
afterAll(() => net.close());

describe('ground truth through the admin API', () => {
  it('reports, per POP, when it first served a canary with serial >= the asked one', async () => {
    const created = await call(`${net.apiUrl}/zones/${net.zoneId}/dns_records`, net.apiToken, 'POST', {
      type: 'TXT',
      name: RECORD,
      content: 'propwatch=1 serial=100 probe=p9',
      ttl: 60,
    });
    const id = (created.body.result as { id: string }).id;
    await call(`${net.apiUrl}/zones/${net.zoneId}/dns_records/${id}`, net.apiToken, 'PATCH', {
      content: 'propwatch=1 serial=200 probe=p9',
    });
    await waitFor(() => net.popStatus().every((p) => p.appliedVersion === 2), 'all POPs on version 2');

    const at100 = await call(`${net.adminUrl}/truth?name=${RECORD}&serial=100`, net.adminToken);
    const at200 = await call(`${net.adminUrl}/truth?name=${RECORD}.&serial=200`, net.adminToken);
    const at300 = await call(`${net.adminUrl}/truth?name=${RECORD}&serial=300`, net.adminToken);
    type Truth = {
      servedAt: Record<string, { monotonicMs: number; epochMs: number } | null>;
      commits: Array<{ version: number; serial: number }>;
    };
    const t100 = at100.body.result as Truth;
    const t200 = at200.body.result as Truth;
    expect(Object.keys(t100.servedAt)).toEqual(['SJC', 'LAX', 'ORD']);
    for (const pop of ['SJC', 'LAX', 'ORD']) {
      expect(t100.servedAt[pop]).toEqual(net.truth.servedAt(RECORD, 100n).get(pop));
      // serial 100 was served no later than serial 200 (version 1 may have been skipped by version 2).
      expect(t100.servedAt[pop]!.monotonicMs).toBeLessThanOrEqual(t200.servedAt[pop]!.monotonicMs);
      expect(t200.servedAt[pop]).toEqual(net.truth.versionServedAt(pop, 2));
    }
    expect(Object.values((at300.body.result as Truth).servedAt)).toEqual([null, null, null]);
    expect(t100.commits.map((c) => [c.version, c.serial])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);

    const log = await call(`${net.adminUrl}/truth/log`, net.adminToken);
    const served = (log.body.result as { served: Array<{ pop: string; version: number }> }).served;
    expect(served.filter((entry) => entry.version === 0)).toHaveLength(3);
    expect(served.filter((entry) => entry.version === 2)).toHaveLength(3);
  });

  it('rejects a truth query without a decimal serial', async () => {
    const reply = await call(`${net.adminUrl}/truth?name=${RECORD}&serial=abc`, net.adminToken);
    expect([reply.status, reply.body.success]).toEqual([400, false]);
  });

  it('serves Prometheus metrics per POP', async () => {
    const text = await (await fetch(`${net.adminUrl.replace('/admin', '')}/metrics`)).text();
    expect(text).toMatch(/^propwatch_sim_applied_version\{pop="SJC",region="na"\} \d+$/m);
    expect(text).toMatch(/^propwatch_sim_zone_version 2$/m);
  });
});
