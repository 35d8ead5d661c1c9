/**
 * Forged answers racing a real round (issue 9, item 1). One POP is stuck, so it
 * never serves the new serial; the probe reaches it through a relay that also
 * lets a forger see every query. For each one the forger sprays "hit"
 * answers (a serial far above the written one, correct question, AA) from
 * another port, from another address with the relay's port, and from the
 * relay's own port with wrong IDs — all before the real (old) answer. The
 * round must still report it as timeout. The control: the same forged
 * answer with the right ID from the right port does count, so the forgeries
 * are hits in every respect except their source or ID.
 */
import dgram from 'node:dgram';
import { startSimNetwork, type SimNetwork } from '@propwatch/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbe } from '../src/create-probe.js';
import { canaryAnswer, parseQuery } from './hostile-answers.js';
import { probeConfigFor } from './helpers/sim-probe.js';
import { bindUdp } from '../../test-support/index.js';

const FORGED_SERIAL = '99999999999999999';

interface Relay {
  port: number;
  forged: number;
  close(): Promise<void>;
}

/**
 * Relays queries to `upstream` and its answers back. With `forgeFromRightSource`
 * the forger owns the relay's socket and the query's ID (the control case).
 */
async function startForgingRelay(
  upstream: { address: string; port: number },
  probeId: string,
  forgeFromRightSource = false,
): Promise<Relay> {
  const front = await bindUdp('127.0.0.1', 0);
  const port = front.address().port;
  const back = await bindUdp('127.0.0.1', 0);
  const otherPort = await bindUdp('127.0.0.1', 0);
  const otherAddress = await bindUdp('127.0.0.2', port);
  const relay: Relay = { port, forged: 0, close: async () => undefined };
  const waiting = new Map<number, dgram.RemoteInfo>();
  front.on('message', (msg, rinfo) => {
    const query = parseQuery(msg);
    if (!query) return;
    const send = (socket: dgram.Socket, packet: Buffer) => {
      socket.send(packet, rinfo.port, rinfo.address);
      relay.forged++;
    };
    const forged = canaryAnswer(query, FORGED_SERIAL, probeId);
    if (forgeFromRightSource) {
      send(front, forged);
    } else {
      send(otherPort, forged);
      send(otherAddress, forged);
      for (let delta = 1; delta <= 8; delta++)
        send(front, canaryAnswer(query, FORGED_SERIAL, probeId, (query.header.id + delta * 4099) & 0xffff));
    }
    waiting.set(query.header.id, rinfo);
    back.send(msg, upstream.port, upstream.address);
  });
  back.on('message', (msg) => {
    const to = waiting.get(msg.readUInt16BE(0));
    if (to) front.send(msg, to.port, to.address);
  });
  relay.close = async () => {
    for (const socket of [front, back, otherPort, otherAddress])
      await new Promise<void>((resolve) => socket.close(() => resolve()));
  };
  return relay;
}

let sim: SimNetwork;
beforeAll(async () => {
  sim = await startSimNetwork({ seed: 21, timeScale: 0.05, pops: 4 });
});
afterAll(async () => sim?.close());

async function roundThroughRelay(probeId: string, forgeFromRightSource: boolean) {
  const lhr = sim.pops[1]!; // the POP behind the relay, stuck
  const relay = await startForgingRelay(lhr, probeId, forgeFromRightSource);
  sim.setFault(lhr.name, { kind: 'stuck' });
  const targets = sim.pops.map((p) =>
    p === lhr
      ? { name: p.name, address: '127.0.0.1', port: relay.port }
      : { name: p.name, address: p.address, port: p.port },
  );
  const probe = createProbe(
    probeConfigFor(sim, probeId, {
      targets,
      round: { pollIntervalMs: 20, maxWaitMs: 1500, intervalMs: 5000, progressMs: 500 },
      query: { timeoutMs: 200 },
    }),
  );
  try {
    const { report } = await probe.runner.runOnce();
    return {
      report,
      lhr: report.round.pops.find((p) => p.pop === lhr.name)!,
      nsid: lhr.nsid,
      forged: relay.forged,
      stats: probe.querier.stats(),
    };
  } finally {
    sim.setFault(lhr.name, null);
    await probe.close();
    await relay.close();
  }
}

describe('forged answers racing a round against the sim', () => {
  it('never count as hits: the stuck POP is still reported as timeout', async () => {
    const { report, lhr, nsid, forged, stats } = await roundThroughRelay('forged1', false);
    expect(forged).toBeGreaterThan(200);
    expect(lhr).toMatchObject({ state: 'timeout', lowerMs: 1500 });
    expect(lhr.upperMs).toBeUndefined();
    // The real answers came through: the POP's own NSID, never the forger's.
    expect(lhr.nsid).toBe(nsid);
    expect(report.round.pops.filter((p) => p !== lhr).every((p) => p.state === 'propagated')).toBe(true);
    expect(stats.dropped.wrongSource).toBeGreaterThan(0);
    expect(stats.dropped.wrongSource + stats.dropped.unknownId).toBeGreaterThanOrEqual(forged * 0.95);
  });

  it('control: the same forgery from the right port with the right ID would count', async () => {
    const { lhr } = await roundThroughRelay('forged2', true);
    expect(lhr.state).toBe('propagated');
    expect(lhr.nsid).toBe('forger');
  });
});
