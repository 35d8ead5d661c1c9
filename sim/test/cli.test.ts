import { execFile, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RRType, nsidText, queryUdp } from './dns-client.js';

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

/** CLIs a test started: killed after it, so a failed or timed-out test leaves no sim running. */
const started = new Set<ReturnType<typeof spawn>>();
afterEach(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  started.clear();
});

/** Starts the CLI and resolves with everything it printed on stdout up to the first line matching `until`. */
function startCli(args: string[], until: RegExp) {
  const child = spawn('node', [cli, ...args], { env: { ...process.env, PROPWATCH_API_TOKEN: 'cli-token-12345' } });
  started.add(child);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const printed = new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until.test(stdout)) resolve(stdout);
    });
    child.on('exit', () => reject(new Error(`CLI exited early: ${stderr}`)));
  });
  return { child, exited, printed, stderr: () => stderr };
}

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
    expect((await queryUdp(lhr!.address, lhr!.port, { name: info.zone, type: RRType.SOA }))?.header.aa).toBe(true);
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

  it('says where the anycast addresses are, which source each vantage uses, and how NSIDs map to POPs', async () => {
    const { child, exited, printed } = startCli(
      ['--json', '--time-scale', '0', '--reroute', 'me-central:ns1=FRA'],
      /\n/,
    );
    const info = JSON.parse((await printed).split('\n')[0]!) as {
      zone: string;
      anycast: Array<{ name: string; address: string; port: number }>;
      nsidPattern: string;
      vantages: Array<{ name: string; sources: string[]; rttMs: number; catchment: Record<string, string> }>;
    };
    expect(info.anycast.map((a) => [a.name, a.address])).toEqual([
      ['ns1', '127.0.53.1'],
      ['ns2', '127.0.53.2'],
    ]);
    expect(info.anycast[1]!.port).toBe(info.anycast[0]!.port);
    expect(info.vantages.map((v) => [v.name, v.sources[0], v.rttMs])).toEqual([
      ['us-west', '127.0.1.1', 5],
      ['us-east', '127.0.1.2', 20],
      ['me-central', '127.0.1.3', 80],
      ['sa-east', '127.0.1.4', 150],
      ['ap-south', '127.0.1.5', 250],
      ['default', undefined, 0],
    ]);
    expect(info.vantages[2]!.catchment).toEqual({ ns1: 'FRA', ns2: 'AMS' });
    const ns1 = info.anycast[0]!;
    const answer = await queryUdp(ns1.address, ns1.port, { name: info.zone, nsid: true, source: '127.0.1.3' });
    const nsid = answer && nsidText(answer);
    expect(nsid).toBe('fra1.sim.propwatch');
    expect(new RegExp(info.nsidPattern).exec(nsid!)?.groups?.pop).toBe('fra');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it.each([
    ['sim.yaml', 'us-west eu-west ap-southeast default', '127.0.1.2', 'lhr1.sim.propwatch'],
    ['compose/sim.yaml', 'us-west us-east me-central sa-east ap-south default', '127.0.1.5', 'sin1.sim.propwatch'],
  ])(
    'examples/%s starts with its vantages; a query from one reaches its catchment',
    async (file, names, source, nsid) => {
      // The files' fixed ports may be taken on a shared machine: the flags move them, the rest is the file's.
      const ports = ['--api-port', '0', '--dns-port-base', '0', '--anycast-port', '0'];
      const config = join(pkg, '..', 'examples', file);
      const { child, exited, printed } = startCli(['--config', config, '--json', ...ports], /\n/);
      const info = JSON.parse((await printed).split('\n')[0]!) as {
        zone: string;
        anycast: Array<{ address: string; port: number }>;
        vantages: Array<{ name: string }>;
      };
      expect(info.vantages.map((v) => v.name).join(' ')).toBe(names);
      const ns1 = info.anycast[0]!;
      const answer = await queryUdp(ns1.address, ns1.port, { name: info.zone, nsid: true, source, timeoutMs: 3000 });
      expect(answer && nsidText(answer)).toBe(nsid);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
  );

  it('prints the vantages, catchments and blind spots in its table; --vantages none leaves the default vantage', async () => {
    const table = startCli(['--time-scale', '0'], /dig -b .*\n/);
    const text = await table.printed;
    expect(text).toMatch(/^ {2}me-central +127\.0\.1\.3 +80±8 +- ns1→LHR ns2→AMS$/m);
    expect(text).toMatch(/^ {2}blind spots \(in no catchment\): ORD FRA CDG SYD$/m);
    expect(text).toMatch(/^ +dig -b 127\.0\.1\.1 @127\.0\.53\.1 -p \d+ \+norec \+nsid SOA propwatch\.test$/m);
    table.child.kill('SIGTERM');
    expect(await table.exited).toBe(0);
    const none = startCli(['--json', '--time-scale', '0', '--vantages', 'none', '--pops', '3'], /\n/);
    const info = JSON.parse((await none.printed).split('\n')[0]!) as { vantages: Array<{ name: string }> };
    expect(info.vantages.map((v) => v.name)).toEqual(['default']);
    none.child.kill('SIGTERM');
    expect(await none.exited).toBe(0);
  });

  it.each([
    [
      ['--vantages', 'all'],
      'config key "vantages" (command-line flag --vantages) has value "all": ' +
        'expected default or none (a list goes in the config file)',
    ],
    [['--reroute', 'mars:ns1=LAX'], 'reroutes[0] "mars:ns1=LAX": unknown vantage mars'],
    [
      ['--reroute', 'us-west-ns1-LAX'],
      'config key "reroutes.0" (command-line flag --reroute) has value "us-west-ns1-LAX": ' +
        'expected vantage:address=POP',
    ],
    [['--udp-loss', '2'], 'config key "udpLossRate" (command-line flag --udp-loss) has value 2'],
    [
      ['--anycast-port', 'x'],
      'config key "anycastPort" (command-line flag --anycast-port) has value "x": expected an integer',
    ],
  ])('%j is a config error naming the problem: one line, exit 78', async (args, message) => {
    const failure = await run('node', [cli, ...args]).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 78 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
