import { execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { RRType, queryUdp } from './dns-client.js';

const run = promisify(execFile);
const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const cli = join(pkg, 'dist', 'cli.js');

/** The CLI runs from dist/: build it when it is missing or older than a source file. */
beforeAll(async () => {
  const newestSource = Math.max(
    ...readdirSync(join(pkg, 'src'), { recursive: true, encoding: 'utf8' }).map(
      (file) => statSync(join(pkg, 'src', file)).mtimeMs,
    ),
  );
  let built = 0;
  try {
    built = statSync(cli).mtimeMs;
  } catch {
    built = 0;
  }
  if (built < newestSource)
    await run(join(pkg, '..', 'node_modules', '.bin', 'tsc'), ['-b', pkg], { timeout: 120_000 });
}, 120_000);

describe('propwatch-sim CLI', () => {
  it('--help and --version exit 0', async () => {
    expect((await run('node', [cli, '--help'])).stdout).toContain('Usage: propwatch-sim');
    expect((await run('node', [cli, '--version'])).stdout).toMatch(/^propwatch-sim \d+\.\d+\.\d+/);
  });

  it('a bad flag value exits 2 naming the flag', async () => {
    const failure = await run('node', [cli, '--seed', 'abc']).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('--seed "abc": expected an integer');
  });

  it('prints one JSON line to reach the sim, serves DNS, applies --fault, and closes on SIGTERM', async () => {
    const child = spawn('node', [cli, '--json', '--pops', '2', '--time-scale', '0', '--fault', 'SJC=down'], {
      env: { ...process.env, PROPWATCH_API_TOKEN: 'cli-token-12345' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const line = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
      });
      child.on('exit', () => reject(new Error(`CLI exited early: ${stderr}`)));
    });
    const info = JSON.parse(line) as {
      apiUrl: string;
      apiToken: string;
      zone: string;
      pops: Array<{ name: string; address: string; port: number; nsid: string }>;
    };
    // A configured token is never printed (the operator has it); a generated one would be.
    expect(info).toMatchObject({ event: 'propwatch-sim.ready', zone: 'propwatch.test', apiToken: '(configured)' });
    expect(line).not.toContain('cli-token-12345');
    expect(info.pops.map((p) => p.name)).toEqual(['SJC', 'LAX']);
    const [sjc, lax] = info.pops;
    expect((await queryUdp(lax!.address, lax!.port, { name: info.zone, type: RRType.SOA }))?.header.aa).toBe(true);
    expect(await queryUdp(sjc!.address, sjc!.port, { name: info.zone, type: RRType.SOA, timeoutMs: 200 })).toBeNull();
    const zones = await fetch(`${info.apiUrl}/zones?name=propwatch.test`, {
      headers: { authorization: 'Bearer cli-token-12345' },
    });
    expect(zones.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"propwatch-sim ready"');
    expect(stderr).toContain('"msg":"closed"');
    expect(stderr).not.toContain('cli-token-12345');
  });
});
