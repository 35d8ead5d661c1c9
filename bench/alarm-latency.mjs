/**
 * Benchmark 2 — alarm latency end to end: sim, one probe reporting over HTTP,
 * the aggregator listening on loopback, and the alarm client polling it with
 * a recording driver, all in this process so every moment is on one
 * performance.now() clock. Each trial makes LHR stuck, then runs a round: the
 * POP's lag crosses the threshold at (commit time of the write + threshold),
 * by ground truth; latency is from then to the driver switching the light on.
 *
 * Latency-relevant settings are the defaults: probe poll 100 ms and progress
 * every 1000 ms, aggregator re-evaluation every 1000 ms, alarm poll every
 * 1000 ms. Changed so trials take seconds, not minutes: the threshold (2 s;
 * default 60 s, with clear below 1 s), the sim time scale (0.1, so healthy
 * POPs stay under the clear level), the beacon's minimum on-time (1 s) — none
 * of them enters the path from crossing to light.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, resolveConfig } from '@propwatch/aggregator';
import { loadAlarmConfig, startAlarmClient } from '@propwatch/alarm-pi';
import { createLogger } from '@propwatch/shared';
import { startSimNetwork } from '@propwatch/sim';
import { probeForSim } from './lib/sim-probe.mjs';
import { sleep } from './lib/proc.mjs';
import { fmt, median } from './lib/stats.mjs';

export const FULL = { trials: 20, thresholdMs: 2000 };
export const TINY = { trials: 1, thresholdMs: 2000 };

const STUCK_POP = 'LHR';

class RecordingDriver {
  name = 'recording';
  on = false;
  switchedOnAt = [];
  set(on) {
    if (on && !this.on) this.switchedOnAt.push(performance.now());
    this.on = on;
  }
  async close() {
    this.set(false);
  }
}

async function until(read, timeoutMs, what) {
  const deadline = performance.now() + timeoutMs;
  while (!read()) {
    if (performance.now() > deadline) throw new Error(`alarm benchmark: ${what} not reached within ${timeoutMs} ms`);
    await sleep(10);
  }
}

export async function benchAlarmLatency(settings = FULL, log = console.log) {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-alarm-'));
  const sim = await startSimNetwork({ seed: 8, timeScale: 0.1 });
  const token = 'bench-alarm-token-0123456789';
  const app = build({
    config: resolveConfig({
      listen: { host: '127.0.0.1', port: 0 },
      storage: { path: join(dir, 'aggregator.db') },
      probes: [{ id: 'alarm1', token }],
      logLevel: 'silent',
      status: { alarmAboveMs: settings.thresholdMs, clearBelowMs: settings.thresholdMs / 2 },
    }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${app.server.address().port}`;
  const { probe, dir: probeDir } = probeForSim(sim, 'alarm1', {
    round: { maxWaitMs: 60_000 },
    report: { url, token, backoffBaseMs: 50, backoffMaxMs: 500 },
  });
  probe.reporter.start();
  const driver = new RecordingDriver();
  const { config } = loadAlarmConfig({
    env: { PROPWATCH_AGGREGATOR__URL: url, PROPWATCH_DRIVER: 'console', PROPWATCH_BEACON__MIN_ON_MS: '1000' },
  });
  const client = await startAlarmClient({
    config,
    logger: createLogger({ name: 'bench-alarm', level: 'silent' }),
    driver,
  });
  const latencies = [];
  try {
    // A healthy round first, so the aggregator is `ok` and the lamp test is over.
    await probe.runner.runOnce();
    await until(() => client.state === 'ok' && !driver.on, 20_000, 'state ok after the first round');
    for (let trial = 0; trial < settings.trials; trial++) {
      sim.setFault(STUCK_POP, { kind: 'stuck' });
      const commitsBefore = sim.truth.commits().length;
      const litBefore = driver.switchedOnAt.length;
      const abort = new globalThis.AbortController();
      const round = probe.runner.runOnce(abort.signal);
      await until(() => sim.truth.commits().length > commitsBefore, 10_000, 'the write committed');
      const crossingAt = sim.truth.commits()[commitsBefore].committedAt.monotonicMs + settings.thresholdMs;
      await until(
        () => driver.switchedOnAt.length > litBefore,
        settings.thresholdMs + 20_000,
        `light on in trial ${trial + 1}`,
      );
      latencies.push(driver.switchedOnAt[litBefore] - crossingAt);
      // Stop the stuck round (its last progress report stands), let LHR catch
      // up, and show a healthy round so the alarm clears before the next trial.
      abort.abort();
      await round;
      sim.setFault(STUCK_POP, null);
      await probe.runner.runOnce();
      await until(() => client.state === 'ok' && !driver.on, 20_000, `state ok after trial ${trial + 1}`);
    }
  } finally {
    await client.stop();
    await probe.close();
    await app.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(probeDir, { recursive: true, force: true });
  }
  const result = {
    trials: latencies.length,
    latencies,
    medianMs: median(latencies),
    maxMs: Math.max(...latencies),
    minMs: Math.min(...latencies),
    settings,
  };
  log(
    `  ${result.trials} trials: median ${fmt(result.medianMs)} ms, min ${fmt(result.minMs)} ms, max ${fmt(result.maxMs)} ms`,
  );
  return result;
}

export function alarmTable(result) {
  const met = result.medianMs < 2000;
  return [
    '| trials | median | min | max | target: median < 2 s |',
    '|---:|---:|---:|---:|---|',
    `| ${result.trials} | ${fmt(result.medianMs)} ms | ${fmt(result.minMs)} ms | ${fmt(result.maxMs)} ms | ${met ? 'met' : '**missed**'} |`,
  ].join('\n');
}
