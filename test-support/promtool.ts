/**
 * `promtool` (Debian package `prometheus`, installed by .ci/run) for tests: a
 * missing binary skips with a printed reason outside CI and fails in CI, never
 * silently.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PROMTOOL = '/usr/bin/promtool';

/** Whether promtool can run here; prints why not (outside CI) or throws (in CI). */
export function promtoolAvailable(who: string): boolean {
  if (existsSync(PROMTOOL)) return true;
  if (process.env.CI) throw new Error(`${PROMTOOL} is missing: install the Debian "prometheus" package (.ci/run does)`);
  console.warn(`${who}: skipped, ${PROMTOOL} is not installed (apt-get install prometheus)`);
  return false;
}

/** `promtool check metrics` over an exposition text: its exit status and everything it printed. */
export function checkMetrics(text: string): { status: number | null; output: string } {
  const result = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
