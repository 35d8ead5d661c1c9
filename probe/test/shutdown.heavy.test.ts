/**
 * SIGTERM mid-round ends the probe process at once, not when the queries in
 * flight time out: the shutdown's AbortSignal reaches the socket. The probe
 * polls a POP that never answers with a 10 s query timeout, so a query is
 * always in flight; the process logs the host's monotonic clock when the
 * signal arrives and how long stopping took, and the test reads that figure
 * (it is the process's own measurement, taken with the clock that matters;
 * the test's view from outside is printed and only checked against the 10 s
 * a missing cancellation would cost).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSimNetwork, type SimNetwork } from '@propwatch/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const QUERY_TIMEOUT_MS = 10_000;
/** What the issue asks for: the probe is gone within 100 ms of the abort. */
const MAX_SHUTDOWN_MS = 100;

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

let sim: SimNetwork;
beforeAll(async () => {
  await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'probe')],
    {
      cwd: root,
    },
  );
  sim = await startSimNetwork({ seed: 5, timeScale: 0, pops: 2 });
  sim.setFault(sim.pops[1]!.name, { kind: 'down' });
}, 120_000);
afterAll(async () => sim?.close());

interface LogLine {
  msg: string;
  monotonicMs?: number;
  shutdownMs?: number;
}

describe('probe shutdown', () => {
  it('SIGTERM mid-round with a query in flight stops the process within 100 ms, not after the query timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'propwatch-shutdown-'));
    const config = join(dir, 'probe.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        probe: { id: 'stop1' },
        zone: sim.zone,
        writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, zoneId: sim.zoneId } },
        targets: sim.pops.map((p) => ({ name: p.name, address: p.address, port: p.port })),
        query: { timeoutMs: QUERY_TIMEOUT_MS },
        round: { pollIntervalMs: 50, maxWaitMs: 60_000 },
        stateDir: join(dir, 'state'),
      }),
    );
    const child = spawn(process.execPath, [cli, '--config', config], {
      env: { PATH: process.env.PATH ?? '', PROPWATCH_WRITER__CLOUDFLARE__API_TOKEN: sim.apiToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; at: bigint }>((resolve) =>
      child.on('exit', (code) => resolve({ code, at: process.hrtime.bigint() })),
    );

    // Mid-round: the silent POP has ignored a query, which now waits for its 10 s timeout.
    const silent = sim.pops[1]!.name;
    const ignored = () => sim.popStatus().find((p) => p.name === silent)!.counters.ignored;
    for (let i = 0; i < 400 && ignored() === 0 && child.exitCode === null; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(ignored(), `the probe never queried the silent POP; stderr: ${stderr}`).toBeGreaterThan(0);

    const sentAt = process.hrtime.bigint();
    child.kill('SIGTERM');
    const { code, at } = await exited;
    const outsideMs = Number(at - sentAt) / 1e6;

    const lines = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    const stopping = lines.find((line) => line.msg === 'stopping');
    const stopped = lines.find((line) => line.msg === 'stopped');
    console.info('[probe shutdown]', JSON.stringify({ shutdownMs: stopped?.shutdownMs, outsideMs, code }));
    expect(code).toBe(0);
    expect(stopping?.monotonicMs).toBeTypeOf('number');
    expect(stopped?.shutdownMs).toBeTypeOf('number');
    expect(stopped!.shutdownMs!).toBeLessThan(MAX_SHUTDOWN_MS);
    // From outside (process start-up of the signal, exit bookkeeping included): nowhere near the query timeout.
    expect(outsideMs).toBeLessThan(QUERY_TIMEOUT_MS / 2);
  }, 60_000);
});
