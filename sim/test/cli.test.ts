import { execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { DnsPacket as Packet, queryUdp } from './dns-client.js';

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

  it('a bad flag value is a config error naming the flag: one line, exit 78', async () => {
    const failure = await run('node', [cli, '--seed', 'abc']).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 78 });
    expect((failure as { stderr: string }).stderr).toBe(
      'propwatch-sim: config key "seed" (command-line flag --seed) has value "abc": expected an integer from 0 to 4294967295\n',
    );
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
      pops: Array<{ name: string; region: string; address: string; port: number; nsid: string }>;
    };
    // A configured token is never printed (the operator has it); a generated one would be.
    expect(info).toMatchObject({ event: 'propwatch-sim.ready', zone: 'propwatch.test', apiToken: '(configured)' });
    expect(line).not.toContain('cli-token-12345');
    // Two POPs from two regions, not the first two of the list (both North American).
    expect(info.pops.map((p) => [p.name, p.region])).toEqual([
      ['SJC', 'na'],
      ['LHR', 'eu'],
    ]);
    const [sjc, lhr] = info.pops;
    expect((await queryUdp(lhr!.address, lhr!.port, { name: info.zone, type: Packet.TYPE.SOA }))?.header.aa).toBe(1);
    expect(
      await queryUdp(sjc!.address, sjc!.port, { name: info.zone, type: Packet.TYPE.SOA, timeoutMs: 200 }),
    ).toBeNull();
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
