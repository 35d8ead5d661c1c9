/**
 * The unit and integration suites of every package on the image's Node
 * (22 LTS), inside the Dockerfile's `test` target: the build stage with dev
 * dependencies, `npx vitest run`. No network but loopback (IPv6 loopback
 * turned on, which Docker turns off by default); CI is unset inside, so the
 * suites that need BIND, Knot, dig, kdig, promtool or Chromium skip with
 * their reason: CI runs those on the host's Node. Needs a Docker engine:
 * required in CI, skipped with the reason printed elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, buildImages, dockerUnavailable, run, skipReason } from './helpers/docker.js';

const SUITE_TIMEOUT_MS = 20 * 60_000;
const skip = skipReason('the suites on the image Node', dockerUnavailable());
// Vitest's summary lines, without colour.
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex

describe.skipIf(skip !== undefined)('the test target', () => {
  it(
    'runs on Node 22 and passes every suite it runs',
    async () => {
      await buildImages('test');
      const version = await run('docker', [
        'run',
        '--rm',
        '--network',
        'none',
        'propwatch-test:latest',
        'node',
        '--version',
      ]);
      expect(version.stdout.trim()).toMatch(/^v22\./);

      const started = Date.now();
      const ran = await run(
        'docker',
        [
          'run',
          '--rm',
          '--network',
          'none',
          '--sysctl',
          'net.ipv6.conf.all.disable_ipv6=0',
          '--sysctl',
          'net.ipv6.conf.lo.disable_ipv6=0',
          'propwatch-test:latest',
        ],
        // 8-10 min measured on the loaded 2-core machine.
        { timeoutMs: SUITE_TIMEOUT_MS },
      );
      const out = plain(ran.stdout + ran.stderr);
      const files = /Test Files\s+(.*)/.exec(out)?.[1] ?? '';
      const tests = /Tests\s+(.*)/.exec(out)?.[1] ?? '';
      console.log(
        `suites on ${version.stdout.trim()} in the image: files ${files}; tests ${tests}; ${Math.round((Date.now() - started) / 1000)} s`,
      );
      for (const skipped of new Set(out.split('\n').filter((line) => line.startsWith('skipping '))))
        console.log(`  ${skipped}`);
      // Vitest reports the failures at the end of stdout; stderr holds the suites' skip notices.
      const failures = plain(ran.stdout).split('Failed Tests').slice(1).join('Failed Tests');
      expect(ran.code, failures ? failures.slice(0, 8000) : out.slice(-8000)).toBe(0);
      expect(files).toMatch(/^\d+ passed/);
      expect(files).not.toMatch(/failed/);
      expect(tests).not.toMatch(/failed/);
    },
    BUILD_TIMEOUT_MS + SUITE_TIMEOUT_MS + 2 * 60_000,
  );
});
