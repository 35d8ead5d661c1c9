/** The built CLI as a user runs it: --help, a bad config, and --once against the sim. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startSimNetwork, type SimNetwork } from '@propwatch/sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

async function probeCli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let sim: SimNetwork;
beforeAll(async () => {
  // The CLI runs from dist/: build it (incremental, quick when nothing changed).
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'probe')], {
    cwd: root,
  });
  sim = await startSimNetwork({ seed: 3, timeScale: 0.02, pops: 4 });
}, 120_000);
afterAll(async () => sim?.close());

describe('propwatch-probe CLI', () => {
  it('explains itself with --help', async () => {
    const { code, stdout } = await probeCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: propwatch-probe');
    expect(stdout).toContain('--once');
  });

  it('refuses a bad config before doing anything, naming key, value and expectation', async () => {
    const { code, stderr } = await probeCli([], {
      PROPWATCH_PROBE__ID: 'p1',
      PROPWATCH_ZONE: 'x.test',
      PROPWATCH_WRITER__KIND: 'route53',
    });
    expect(code).toBe(78);
    expect(stderr).toContain(
      'config key "writer.kind" (environment variable PROPWATCH_WRITER__KIND) has value "route53": expected one of cloudflare, rfc2136',
    );
  });

  it('runs one round with --once and prints the table, without leaking the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'propwatch-cli-'));
    const config = join(dir, 'probe.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        probe: { id: 'cli1' },
        zone: sim.zone,
        writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, zoneId: sim.zoneId } },
        targets: sim.pops.map((p) => ({ name: p.name, address: p.address, port: p.port })),
        round: { pollIntervalMs: 20, maxWaitMs: 5000 },
        stateDir: join(dir, 'state'),
      }),
    );
    const { code, stdout, stderr } = await probeCli(['--once', '--config', config], {
      PROPWATCH_WRITER__CLOUDFLARE__API_TOKEN: sim.apiToken,
    });
    expect(code).toBe(0);
    // stdout is the table alone; the JSON log went to stderr, without the token.
    expect(stdout).not.toContain('{"level"');
    expect(stderr).toContain('"msg":"round finished"');
    expect(stderr).not.toContain(sim.apiToken);
    expect(stdout).toMatch(/^round cli1-\d+ +serial \d+ +complete/m);
    for (const pop of sim.pops)
      expect(stdout).toMatch(
        new RegExp(
          `^${pop.name} +${pop.name} +unicast +127\\.0\\.0\\.1:${pop.port} +${pop.nsid.replace('.', '\\.')} +propagated +[0-9.]+ ms +[0-9.]+ ms`,
          'm',
        ),
      );
    expect(stdout).not.toContain(sim.apiToken);
  });

  it('refuses a source address this host does not have before the first round, naming the address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'propwatch-cli-'));
    const config = join(dir, 'probe.yaml');
    writeFileSync(
      config,
      JSON.stringify({
        probe: { id: 'cli2' },
        zone: sim.zone,
        writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, zoneId: sim.zoneId } },
        targets: [{ name: 'ns1', address: sim.pops[0]!.address, port: sim.pops[0]!.port, kind: 'anycast' }],
        // TEST-NET-1: never an address of this host.
        query: { sourceAddress: '192.0.2.77' },
        stateDir: join(dir, 'state'),
      }),
    );
    const { code, stdout, stderr } = await probeCli(['--once', '--config', config], {
      PROPWATCH_WRITER__CLOUDFLARE__API_TOKEN: sim.apiToken,
    });
    expect(code).toBe(78);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `propwatch-probe: config key "query.sourceAddress" (file ${config}) has value "192.0.2.77": expected an address of this host to send queries from (binding a UDP socket failed: bind EADDRNOTAVAIL 192.0.2.77)\n`,
    );
  });
});
