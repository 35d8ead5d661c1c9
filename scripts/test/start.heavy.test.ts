/**
 * `npm start` as a newcomer sees it: the demo stack as separate processes,
 * probes in the sim's vantages watching the anycast ns1/ns2, the scripted
 * stuck POP (seen by one probe) turning the status and the beacon on and off
 * again, a catchment rerouted with no false alarm, and Ctrl-C stopping
 * everything. Sped up with a small time scale. Then what
 * a newcomer gets wrong: a typo'd flag, a POP that is not there, a port in use.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let demo: ChildProcess | undefined;
afterAll(() => {
  // The whole process group: a demo killed alone would leave its children running.
  if (demo?.pid !== undefined && demo.exitCode === null) process.kill(-demo.pid, 'SIGKILL');
});

/** Runs `npm start` with `args` to its end; its output (both streams) and exit code. */
function runToEnd(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/start.mjs', ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`npm start ${args.join(' ')} did not end:\n${output}`));
    }, timeoutMs);
    child.once('close', (code) => (clearTimeout(timer), resolve({ code, output })));
  });
}

describe('npm start', () => {
  it('runs the stack, shows the alarm cycle for the stuck POP, and stops cleanly on Ctrl-C', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'propwatch-demo-'));
    demo = spawn(
      process.execPath,
      [
        'scripts/start.mjs',
        '--port',
        String(port),
        '--data-dir',
        dataDir,
        '--time-scale',
        '0.05',
        '--round-interval',
        '2000',
        '--threshold',
        '1000',
        '--stuck-at',
        '6',
        '--stuck-for',
        '8',
        '--reroute-after',
        '3',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    let output = '';
    demo.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const waitFor = async (pattern: RegExp, timeoutMs: number, from = 0) => {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(output.slice(from))) {
        if (Date.now() > until) throw new Error(`demo output never matched ${pattern}:\n${output}`);
        if (demo!.exitCode !== null) throw new Error(`demo exited (${demo!.exitCode}):\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor(new RegExp(`dashboard: http://127\\.0\\.0\\.1:${port}/`), 60_000);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('propwatch');
    // Generous: on a loaded CI machine a Node process can take seconds to start.
    // Five probes, one per vantage; the catchments and the blind spots come from the sim's ready line.
    expect(output).toContain('me-central 127.0.1.3   80 ms  ns1 → LHR  ns2 → AMS');
    expect(output).toContain("blind spots (in no probe's catchment): ORD FRA CDG SYD");
    await waitFor(/me-central +round complete +worst [A-Z]{3} /, 60_000);
    await waitFor(/STATUS +\w+ → OK/, 60_000);
    await waitFor(/COVERAGE coverage 10 of 14 POPs \(71%\), blind to CDG FRA ORD SYD/, 30_000);
    await waitFor(/scenario: LHR is now STUCK/, 20_000);
    // Only me-central's catchment holds LHR: a single observer alarms, named with the address and the probe.
    await waitFor(/STATUS +OK → ALARM: LHR \(via ns1 from me-central\) not serving .*probe me-central\)/i, 20_000);
    await waitFor(/beacon +● BEACON ON/, 10_000);
    await waitFor(/scenario: LHR recovered/, 20_000);
    await waitFor(/STATUS +alarm → OK: LHR serving again after \d+ s; worst now /, 20_000);
    await waitFor(/beacon +○ beacon off .*ok/, 10_000);
    await waitFor(
      /scenario: REROUTE us-west's ns2 from LAX to ORD (mid-round \(us-west-\d+ running\)|between rounds)/,
      20_000,
    );
    const rerouteAt = output.length;
    await waitFor(/CATCHMENT us-west via ns2: LAX → ORD/, 20_000);
    await waitFor(/COVERAGE coverage 10 of 14 POPs \(71%\), blind to CDG FRA LAX SYD/, 20_000);
    // Rounds keep completing after the reroute, and none of it raised an alarm (or any other state change).
    await waitFor(/(us-west +round complete[^]*){3}/, 30_000, rerouteAt);
    expect(output.slice(rerouteAt)).not.toMatch(/STATUS /);
    demo.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => demo!.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(output).toContain('stopping');
    // Every component stopped with it: nothing answers on the aggregator port any more.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 300_000);

  it('an unknown flag prints the usage and exits 2, without a stack trace', async () => {
    const { code, output } = await runToEnd(['--stuck-pops', 'LHR']);
    expect(code).toBe(2);
    expect(output).toContain("npm start: Unknown option '--stuck-pops'");
    expect(output).toContain('--stuck-pop POP');
    expect(output).not.toMatch(/\n\s+at /);
  });

  it('a stuck POP that is not there exits 2 naming the POPs there are, and stops the sim', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'propwatch-demo-'));
    const { code, output } = await runToEnd(['--pops', '5', '--stuck-pop', 'FRA', '--data-dir', dataDir]);
    expect(code).toBe(2);
    // Five POPs spread over the regions: not five North American ones.
    expect(output).toContain('--stuck-pop FRA: no such POP; the 5 POPs are SJC LAX LHR AMS SIN (see --pops)');
    expect(output).toMatch(/SJC \(na\).*LHR \(eu\).*SIN \(apac\)/);
  });

  it("a port in use: the aggregator's own message and what to change in the demo, exit 1", async () => {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const dataDir = mkdtempSync(join(tmpdir(), 'propwatch-demo-'));
      const { code, output } = await runToEnd(['--port', String(port), '--pops', '3', '--data-dir', dataDir]);
      expect(code).toBe(1);
      expect(output).toContain(`propwatch-aggregator: cannot listen on 127.0.0.1:${port} is in use (EADDRINUSE)`);
      expect(output).toContain('aggregator exited unexpectedly (code 1)');
      expect(output).toContain(`hint: if port ${port} is taken, npm start -- --port N runs the demo on another one`);
    } finally {
      blocker.close();
    }
  });
});
