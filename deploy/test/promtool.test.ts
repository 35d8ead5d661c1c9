/** The Prometheus files pass promtool (Debian package `prometheus`, installed by .ci/run). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/compose-file.js';

const PROMTOOL = '/usr/bin/promtool';
const DIR = join(ROOT, 'deploy', 'prometheus');
const missing = !existsSync(PROMTOOL);

if (missing && !process.env.CI)
  console.warn(`deploy/test/promtool.test.ts skipped: ${PROMTOOL} not installed (apt-get install prometheus)`);

function promtool(...args: string[]) {
  const result = spawnSync(PROMTOOL, args, { cwd: DIR, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('promtool is available in CI', () => {
  it('is installed when CI is set', () => {
    // In CI a missing promtool is a failure, never a silent skip.
    expect(missing && Boolean(process.env.CI)).toBe(false);
  });
});

describe.skipIf(missing)('promtool', () => {
  it('check config deploy/prometheus/prometheus.yml', () => {
    const { status, output } = promtool('check', 'config', 'prometheus.yml');
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('check config deploy/prometheus/prometheus-ha.yml', () => {
    const { status, output } = promtool('check', 'config', 'prometheus-ha.yml');
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });

  it('check rules deploy/prometheus/alerts.yml', () => {
    const { status, output } = promtool('check', 'rules', 'alerts.yml');
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status, output).toBe(0);
  });

  it('test rules deploy/prometheus/alerts.test.yml', () => {
    const { status, output } = promtool('test', 'rules', 'alerts.test.yml');
    expect(output).toContain('SUCCESS');
    expect(status, output).toBe(0);
  });
});
