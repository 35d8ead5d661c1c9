/**
 * Smoke test: every benchmark still runs end to end on a tiny setting and
 * produces its table. Figures are not asserted (that is the benchmark's own
 * job, and no test asserts wall-clock durations); shapes and counts are.
 * The Debian tools they drive are required in CI and skipped with a printed
 * reason elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCHMARKS } from '../benchmarks.mjs';
import { BLACKBOX_BIN, blackboxConfig } from '../lib/blackbox.mjs';
import { serialAtLeastPattern } from '../lib/serial-regexp.mjs';

const TOOLS: Record<string, string[]> = { knotd: ['-V'], dnsperf: ['-h'], dig: ['-v'], [BLACKBOX_BIN]: ['--version'] };
const missing = Object.entries(TOOLS)
  .filter(([bin, args]) => spawnSync(bin, args).error !== undefined)
  .map(([bin]) => bin);
if (missing.length > 0 && process.env.CI)
  throw new Error(
    `bench smoke test needs ${missing.join(', ')} (Debian packages knot, dnsperf, bind9-dnsutils, prometheus-blackbox-exporter)`,
  );
if (missing.length > 0)
  console.warn(
    `bench smoke test skipped: ${missing.join(', ')} not installed (Debian packages knot, dnsperf, bind9-dnsutils, prometheus-blackbox-exporter)`,
  );

describe('serialAtLeastPattern', () => {
  it('matches exactly the serials greater than or equal to the written one', () => {
    const written = 1763726400123n;
    const pattern = new RegExp(serialAtLeastPattern(written));
    const cases: Array<[string, boolean]> = [
      ['1763726400123', true],
      ['1763726400124', true],
      ['1763726400130', true],
      ['1763726401000', true],
      ['2000000000000', true],
      ['99999999999999', true],
      ['1763726400122', false],
      ['1763726399999', false],
      ['999999999999', false],
      ['0999999999999', false],
      ['17637264001230', true],
    ];
    for (const [serial, expected] of cases)
      expect([serial, pattern.test(`"propwatch=1 serial=${serial} probe=p1"`)]).toEqual([serial, expected]);
  });

  it('handles serials ending in nines and a single digit', () => {
    expect(new RegExp(serialAtLeastPattern(199n)).test('serial=200 ')).toBe(true);
    expect(new RegExp(serialAtLeastPattern(199n)).test('serial=198 ')).toBe(false);
    expect(new RegExp(serialAtLeastPattern(7n)).test('serial=10"')).toBe(true);
    expect(() => serialAtLeastPattern('012')).toThrow(/leading zeros/);
  });
});

describe.skipIf(missing.length > 0)('benchmarks on a tiny setting', () => {
  it('writes a blackbox_exporter config the exporter accepts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-smoke-'));
    try {
      const file = join(dir, 'blackbox.yml');
      writeFileSync(
        file,
        blackboxConfig([
          { id: 'w0n0', name: 'ref1._propwatch.propwatch.test', serial: 1763726400123n },
          // The anycast benchmark's modules query from a vantage's source address.
          { id: 'w0rtt5', name: 'refany._propwatch.propwatch.test', serial: 1763726400123n, sourceIp: '127.0.1.20' },
        ]),
      );
      const check = spawnSync(BLACKBOX_BIN, [`--config.file=${file}`, '--config.check'], { encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      expect(readFileSync(file, 'utf8')).toContain('"source_ip_address": "127.0.1.20"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Each benchmark has its own settings and result shapes; the smoke test only needs this much of them.
  interface Benchmark {
    key: string;
    tiny: unknown;
    run(settings: unknown, log: (line: string) => void): Promise<unknown>;
    table(result: unknown): string;
  }
  it.each((BENCHMARKS as unknown as Benchmark[]).map((b) => [b.key, b] as const))(
    '%s runs and renders its table',
    async (_key, bench) => {
      const lines: string[] = [];
      const result = await bench.run(bench.tiny, (line: string) => lines.push(line));
      const table: string = bench.table(result);
      const rows = table.split('\n');
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(rows[1]).toMatch(/^\|[-:|]+\|$/);
      expect(table).not.toMatch(/NaN|undefined/);
      expect(lines.length).toBeGreaterThan(0);
    },
    120_000,
  );
});
