/**
 * A long-running sim (the demo, the soak) must stay flat in memory: zone
 * snapshots, ground truth and planned delays are remembered for the last
 * `historyVersions` versions only — but never a version a POP still answers
 * from, so a long-stuck POP keeps serving its old zone.
 */
import { afterEach, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { call } from './api-client.js';
import { RRType, queryUdp, soaSerial } from './dns-client.js';
import { waitFor } from './wait-for.js';

let net: SimNetwork | undefined;
afterEach(async () => {
  await net?.close();
  net = undefined;
});

async function commitMany(n: SimNetwork, count: number, from: number): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const response = await call(`${n.apiUrl}/zones/${n.zoneId}/dns_records`, n.apiToken, 'POST', {
      type: 'TXT',
      name: `p${i % 5}._propwatch.${n.zone}`,
      content: `propwatch=1 serial=${i} probe=p${i % 5}`,
      ttl: 60,
    });
    expect(response.status).toBe(200);
  }
}

it('remembers only the last historyVersions versions, and a stuck POP keeps its version until it catches up', async () => {
  net = await startSimNetwork({ pops: 3, timeScale: 0, historyVersions: 20 });
  const n = net;
  n.setFault('LAX', { kind: 'stuck' });
  await commitMany(n, 60, 1);
  // LAX still answers from version 0, so nothing may be forgotten yet.
  expect(n.truth.commits()).toHaveLength(61);
  const lax = n.pops.find((p) => p.name === 'LAX')!;
  const answer = await queryUdp(lax.address, lax.port, { name: n.zone, type: RRType.SOA });
  expect(answer && soaSerial(answer)).toBe(1);

  n.setFault('LAX', null);
  await waitFor(() => n.popStatus().every((pop) => pop.appliedVersion === 60) || undefined, 'every POP on version 60');
  await commitMany(n, 200, 61);
  await waitFor(
    () => n.popStatus().every((pop) => pop.appliedVersion === 260) || undefined,
    'every POP on version 260',
  );
  const commits = n.truth.commits();
  expect(commits.length).toBeLessThanOrEqual(20 + 2);
  expect(commits.at(-1)!.version).toBe(260);
  expect(n.truth.servedLog().length).toBeLessThanOrEqual((20 + 2) * 3);
  expect(n.plannedDelays(100)).toBeUndefined();
  expect(n.plannedDelays(260)).toBeDefined();
  // The truth of recent serials is intact.
  const served = n.truth.servedAt(`p0._propwatch.${n.zone}`, 260n);
  expect([...served.values()].every(Boolean)).toBe(true);
});
