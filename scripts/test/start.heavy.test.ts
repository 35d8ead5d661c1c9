/**
 * `npm start` as a newcomer sees it: the demo stack as separate processes,
 * the scripted stuck POP turning the status and the beacon on and off again,
 * and Ctrl-C stopping everything. Sped up with a small time scale.
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
  if (demo && demo.exitCode === null) demo.kill('SIGKILL');
});

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
        '--pops',
        '8',
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
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    demo.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const waitFor = async (pattern: RegExp, timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > until) throw new Error(`demo output never matched ${pattern}:\n${output}`);
        if (demo!.exitCode !== null) throw new Error(`demo exited (${demo!.exitCode}):\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await waitFor(new RegExp(`dashboard: http://127\\.0\\.0\\.1:${port}/`), 30_000);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('propwatch');
    await waitFor(/demo-1 +round complete +worst [A-Z]{3} /, 20_000);
    await waitFor(/STATUS +\w+ → OK/, 20_000);
    await waitFor(/scenario: LHR is now STUCK/, 20_000);
    await waitFor(/STATUS +OK → ALARM: LHR/i, 20_000);
    await waitFor(/beacon +● BEACON ON/, 10_000);
    await waitFor(/scenario: LHR recovered/, 20_000);
    await waitFor(/STATUS +ALARM → OK/i, 20_000);
    await waitFor(/beacon +○ beacon off .*ok/, 10_000);
    demo.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => demo!.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(output).toContain('stopping');
    // Every component stopped with it: nothing answers on the aggregator port any more.
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  }, 180_000);
});
