/**
 * The documented bins exist on a fresh clone, as a new user gets it: a clone
 * of this commit, `npm ci`, then `npm exec --offline -- propwatch-sim --help`
 * (which is what `npx propwatch-sim` runs). Before a build each bin names the
 * command that builds it; after `npm run build` each runs its CLI. Offline
 * throughout, so a missing bin can never fall through to the public registry,
 * where anyone could publish a package named `propwatch-sim`.
 *
 * What is tested is HEAD (committed files), as a clone would see it. `npm ci`
 * installs from the npm cache that installing this tree filled
 * (`--offline`) and skips install scripts: bins are linked all the same, and
 * `--help` loads no native addon. Needs git and that cache; outside CI a
 * missing piece skips with the reason printed, in CI it fails.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BINS = [
  { bin: 'propwatch-sim', says: 'Usage: propwatch-sim [options]' },
  { bin: 'propwatch-probe', says: 'Usage: propwatch-probe [options]' },
  { bin: 'propwatch-aggregator', says: 'Usage: propwatch-aggregator [options]' },
  { bin: 'propwatch-alarm', says: 'Usage: propwatch-alarm [options]' },
];

const run = (command: string, args: string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
    // No inherited npm state (under `npm test`, npm_config_local_prefix names this tree, not the clone)
    // except where the cache is; no update check (it would go online).
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.npm_config_cache ? { npm_config_cache: process.env.npm_config_cache } : {}),
      npm_config_update_notifier: 'false',
    },
  });

const describeRun = (result: SpawnSyncReturns<string>) =>
  `exit ${result.status ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;

function skipReason(): string | undefined {
  if (process.env.CI) return undefined;
  if (run('git', ['rev-parse', 'HEAD'], ROOT).status !== 0) return 'not a git checkout';
  return undefined;
}
const skip = skipReason();
if (skip) console.warn(`skipping the fresh-clone bin test: ${skip}`);

describe.skipIf(skip !== undefined)('bins on a fresh clone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-fresh-clone-'));
  const clone = join(dir, 'propwatch');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    const head = run('git', ['rev-parse', 'HEAD'], ROOT).stdout.trim();
    // --shared reads objects from this repository: a detached CI commit is there even if no branch has it.
    for (const [args, cwd] of [
      [['clone', '--quiet', '--shared', '--no-checkout', ROOT, clone], dir],
      [['checkout', '--quiet', '--detach', head], clone],
    ] as const) {
      const result = run('git', [...args], cwd);
      if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${describeRun(result)}`);
    }
    const install = run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], clone);
    if (install.status !== 0)
      throw new Error(`npm ci --offline in the clone failed (is the npm cache filled?): ${describeRun(install)}`);
  }, 300_000);

  it('links every bin at install, before anything is built; each says how to build', () => {
    expect(existsSync(join(clone, 'sim', 'dist'))).toBe(false);
    for (const { bin } of BINS) {
      expect(lstatSync(join(clone, 'node_modules', '.bin', bin)).isSymbolicLink()).toBe(true);
      const result = run('npm', ['exec', '--offline', '--', bin, '--help'], clone);
      expect(result.status, describeRun(result)).toBe(1);
      expect(result.stderr).toContain(
        `${bin} is not built yet: run \`npm run build\` (or \`npm start\` / \`npm test\`, which build first)`,
      );
      expect(result.stderr).not.toMatch(/ENOTCACHED|registry\.npmjs\.org|Error \[ERR_/);
    }
  });

  it('runs every CLI after `npm run build`', () => {
    const build = run('npm', ['run', 'build'], clone);
    expect(build.status, describeRun(build)).toBe(0);
    for (const { bin, says } of BINS) {
      const result = run('npm', ['exec', '--offline', '--', bin, '--help'], clone);
      expect(result.status, describeRun(result)).toBe(0);
      expect(result.stdout).toContain(says);
    }
  });
});
