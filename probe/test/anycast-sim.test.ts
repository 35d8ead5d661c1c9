/**
 * The real probe (createProbe, its querier bound to a vantage's source
 * address) against the real sim's anycast addresses ns1/ns2: each vantage
 * reaches its catchment's POP, named by NSID through popFromNsid; the
 * vantage's round trip shows in the bounds; a reroute through the admin API
 * mid-round leaves the old instance `rerouted` and gives the new one its own
 * bounds; the blind-spot POPs are never reported. Every figure is checked
 * against the sim's ground truth (GET /admin/truth, /admin/truth/answers),
 * which shares this process's performance.now() with the probe's ack.
 */
import { startSimNetwork, type AnsweredQuery, type SimNetwork, type VantageStatus } from '@propwatch/sim';
import type { PopResult, RoundReport } from '@propwatch/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe } from '../src/create-probe.js';
import { findReportProblems } from '../src/report/check-report.js';
import { probeConfigFor } from './helpers/sim-probe.js';

let sim: SimNetwork;
beforeAll(async () => {
  // Time scale 0.5: the fastest POP serves ≥ 125 ms after the commit, so rounds are a few seconds long and
  // the first queries of every vantage miss.
  sim = await startSimNetwork({ seed: 15, timeScale: 0.5 });
});
afterAll(async () => sim?.close());

async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${sim.adminUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sim.adminToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.json()) as { success: boolean; result: T; errors: unknown };
  if (!response.ok || !json.success) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json.result;
}

interface Moment {
  monotonicMs: number;
  epochMs: number;
}

/** Ground truth for a round, as time after the probe's ack (the probe clamps at 0 too). */
async function truthFor(report: RoundReport, ackAt: number): Promise<Map<string, number>> {
  const query = `name=${encodeURIComponent(report.round.record)}&serial=${report.round.serial}`;
  const { servedAt } = await admin<{ servedAt: Record<string, Moment | null> }>('GET', `/truth?${query}`);
  const truth = new Map<string, number>();
  for (const [pop, moment] of Object.entries(servedAt))
    if (moment) truth.set(pop, Math.max(0, moment.monotonicMs - ackAt));
  return truth;
}

/** The sim's answers to one round's canary queries from one vantage, read over the admin API. */
async function answersFor(vantage: string, record: string, since: number): Promise<AnsweredQuery[]> {
  const { answers } = await admin<{ answers: AnsweredQuery[] }>(
    'GET',
    `/truth/answers?vantage=${vantage}&since=${since}&limit=10000`,
  );
  return answers.filter((a) => a.qname === record.toLowerCase());
}

function probeAt(vantage: VantageStatus, probeId: string) {
  return createProbe(
    probeConfigFor(sim, probeId, {
      targets: sim.anycast.map((a) => ({ name: a.name, address: a.address, port: a.port, kind: 'anycast' })),
      popFromNsid: { pattern: sim.nsidPattern },
      query: { sourceAddress: vantage.sources[0], timeoutMs: 1000 },
      round: { pollIntervalMs: 20, maxWaitMs: 8000, intervalMs: 10_000, progressMs: 5000 },
    }),
  );
}

const nsidOf = (pop: string) => sim.pops.find((p) => p.name === pop)!.nsid;

/** The interval holds the truth, with the vantage's round trip on both sides of it (half each way). */
function expectBoundsAround(found: PopResult, truthMs: number | undefined, rttMs: number): void {
  expect(truthMs, `${found.pop}: ground truth`).toBeDefined();
  expect(found.state, found.pop).toBe('propagated');
  // The last miss was sent at least half a round trip before its POP decided, which was before the truth.
  expect(found.lowerMs, `${found.pop} lower`).toBeLessThanOrEqual(Math.max(0, truthMs! - rttMs / 2));
  // The first hit was decided at or after the truth and came back half a round trip later.
  expect(found.upperMs!, `${found.pop} upper`).toBeGreaterThanOrEqual(truthMs! + rttMs / 2);
  expect(found.upperMs! - found.lowerMs, `${found.pop} width`).toBeGreaterThanOrEqual(rttMs);
}

describe('probe against the sim anycast network', () => {
  it('names each vantage catchment by NSID, with its round trip in the bounds, and never a blind spot', async () => {
    const { vantages } = await admin<{ vantages: VantageStatus[] }>('GET', '/vantages');
    const regions = vantages.filter((v) => v.name !== 'default');
    expect(regions.length).toBeGreaterThanOrEqual(5);
    const reached = new Set(regions.flatMap((v) => Object.values(v.catchment)));
    const blind = sim.pops.map((p) => p.name).filter((pop) => !reached.has(pop));
    expect(blind.length).toBeGreaterThan(0);
    // The round trips the assertions below rely on: a distant vantage among them.
    expect(Math.max(...regions.map((v) => v.rttMs))).toBeGreaterThanOrEqual(150);

    const since = sim.answers.recorded;
    const rounds = await Promise.all(
      regions.map(async (vantage) => {
        const probe = probeAt(vantage, `vp-${vantage.name}`);
        try {
          const outcome = await probe.runner.runOnce();
          return { vantage, ...outcome };
        } finally {
          await probe.close();
        }
      }),
    );

    const reported = new Set<string>();
    for (const { vantage, report, ackAt } of rounds) {
      expect(findReportProblems(report)).toEqual([]);
      expect(ackAt).toBeDefined();
      const truth = await truthFor(report, ackAt!);
      const answers = await answersFor(vantage.name, report.round.record, since);
      // One instance per address: the one the vantage's catchment names.
      expect(report.round.pops.map((p) => `${p.via}:${p.pop}`).sort()).toEqual(
        sim.anycast.map((a) => `${a.name}:${vantage.catchment[a.name]}`).sort(),
      );
      for (const address of sim.anycast) {
        const pop = vantage.catchment[address.name]!;
        const found = report.round.pops.find((p) => p.via === address.name)!;
        reported.add(found.pop);
        expect(found).toMatchObject({
          targetKind: 'anycast',
          nsid: nsidOf(pop),
          target: `${address.address}:${address.port}`,
          failures: 0,
        });
        expectBoundsAround(found, truth.get(pop), vantage.rttMs);
        // The sim agrees: every answer through this address went to that POP, from this vantage's source.
        const through = answers.filter((a) => a.via === address.name);
        expect(through.length).toBeGreaterThanOrEqual(found.queries);
        expect(new Set(through.map((a) => `${a.pop} ${a.source} ${a.kind}`))).toEqual(
          new Set([`${pop} ${vantage.sources[0]} anycast`]),
        );
      }
    }
    for (const pop of blind) expect(reported.has(pop), `blind spot ${pop} reported`).toBe(false);
    const answeredBy = new Set(sim.answers.list({ since }).answers.map((a) => a.pop));
    expect(blind.filter((pop) => answeredBy.has(pop))).toEqual([]);
  });

  it('a reroute mid-round leaves the old instance rerouted and measures the new one on its own', async () => {
    const vantage = (await admin<{ vantages: VantageStatus[] }>('GET', '/vantages')).vantages.find(
      (v) => v.name === 'me-central',
    )!;
    const from = vantage.catchment.ns1!;
    const reached = new Set(sim.vantages().flatMap((v) => Object.values(v.catchment)));
    // Moved to a blind spot: the new instance is one no probe could see before.
    const to = sim.pops.map((p) => p.name).find((pop) => !reached.has(pop))!;
    // The old instance never serves this round (so it cannot be `propagated`); the new one serves ≥ 1 s after
    // the commit (slow, at time scale 0.5), well after the move.
    await admin('PUT', `/pops/${from}/fault`, { kind: 'stuck' });
    await admin('PUT', `/pops/${to}/fault`, { kind: 'slow', extraMs: 2000 });
    const probe = probeAt(vantage, 'vp-reroute');
    try {
      const since = sim.answers.recorded;
      const running = probe.runner.runOnce();
      // Mid-round: once the old instance has answered a few of this round's queries.
      let seen: AnsweredQuery[] = [];
      for (let i = 0; i < 500 && seen.length < 5; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        seen = sim.answers
          .list({ since, vantage: vantage.name, via: 'ns1', pop: from })
          .answers.filter((a) => a.qname.includes('vp-reroute'));
      }
      expect(seen.length).toBeGreaterThanOrEqual(5);
      const { reroute } = await admin<{ reroute: { at: Moment; from: string; to: string } }>('POST', '/reroute', {
        vantage: vantage.name,
        address: 'ns1',
        pop: to,
      });
      expect(reroute).toMatchObject({ from, to });
      const { report, ackAt } = await running;
      expect(findReportProblems(report)).toEqual([]);
      const rerouteMs = reroute.at.monotonicMs - ackAt!;
      const truth = await truthFor(report, ackAt!);
      const answers = await answersFor(vantage.name, report.round.record, since);

      expect(report.round.pops.map((p) => `${p.via}:${p.pop}:${p.state}`).sort()).toEqual(
        [`ns1:${from}:rerouted`, `ns1:${to}:propagated`, `ns2:${vantage.catchment.ns2}:propagated`].sort(),
      );
      // The old instance: censored at its last miss, sent before the catchment moved; every query it answered
      // is counted against it, none against the new one.
      const old = report.round.pops.find((p) => p.pop === from)!;
      const oldAnswers = answers.filter((a) => a.via === 'ns1' && a.pop === from);
      expect(old).toMatchObject({ nsid: nsidOf(from), targetKind: 'anycast', failures: 0 });
      expect(old.upperMs).toBeUndefined();
      expect(old.estimateMs).toBeUndefined();
      expect(old.queries).toBe(oldAnswers.length);
      expect(oldAnswers.every((a) => a.receivedAt.monotonicMs < reroute.at.monotonicMs)).toBe(true);
      expect(old.lowerMs).toBeLessThan(rerouteMs);
      expect(old.lowerMs).toBeLessThanOrEqual(oldAnswers.at(-1)!.receivedAt.monotonicMs - ackAt!);
      // The new instance: its own bounds around its own truth, which came after the move.
      const moved = report.round.pops.find((p) => p.pop === to)!;
      expect(moved).toMatchObject({ nsid: nsidOf(to), failures: 0 });
      expect(truth.get(to)!).toBeGreaterThan(rerouteMs);
      expectBoundsAround(moved, truth.get(to), vantage.rttMs);
      const newAnswers = answers.filter((a) => a.via === 'ns1' && a.pop === to);
      expect(newAnswers.length).toBeGreaterThanOrEqual(moved.queries);
      expect(newAnswers.every((a) => a.receivedAt.monotonicMs >= reroute.at.monotonicMs)).toBe(true);
      expect(answers.filter((a) => a.via === 'ns1').length).toBe(oldAnswers.length + newAnswers.length);
      // ns2 did not move.
      const ns2 = report.round.pops.find((p) => p.via === 'ns2')!;
      expectBoundsAround(ns2, truth.get(vantage.catchment.ns2!), vantage.rttMs);
    } finally {
      await probe.close();
      await admin('DELETE', `/pops/${from}/fault`);
      await admin('DELETE', `/pops/${to}/fault`);
      await admin('POST', '/reroute', { vantage: vantage.name, address: 'ns1', pop: from });
    }
  });
});
