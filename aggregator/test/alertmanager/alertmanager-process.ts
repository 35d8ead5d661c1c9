/**
 * A real Alertmanager (Debian `prometheus-alertmanager`, installed by .ci/run) for tests: its own temp
 * directory, a loopback port, no clustering, routing every alert to `receiverUrl` with no group wait so a
 * notification follows a change within a second or two. Missing binary: skipped with a printed reason outside
 * CI, a failure in CI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

/** Whether Alertmanager can run here; prints why not (outside CI) or throws (in CI). */
export function alertmanagerAvailable(who: string): boolean {
  if (existsSync(ALERTMANAGER)) return true;
  if (process.env.CI)
    throw new Error(`${ALERTMANAGER} is missing: install the Debian "prometheus-alertmanager" package (.ci/run does)`);
  console.warn(`${who}: skipped, ${ALERTMANAGER} is not installed (apt-get install prometheus-alertmanager)`);
  return false;
}

/** A free loopback TCP port (Alertmanager logs the configured address, not the bound one, so port 0 will not do). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface RunningAlertmanager {
  url: string;
  /** Everything it printed, for failure messages. */
  log: () => string;
  stop: () => Promise<void>;
}

export async function startAlertmanager(receiverUrl: string): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-alertmanager-'));
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    [
      'route:',
      '  receiver: test',
      '  group_by: [alertname, pop]',
      '  group_wait: 0s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: test',
      '    webhook_configs:',
      `      - url: ${receiverUrl}`,
      '        send_resolved: true',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    ALERTMANAGER,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`alertmanager exited with ${child.exitCode}:\n${output}`);
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 200) {
      await stop();
      throw new Error(`alertmanager not ready at ${url} after 20 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, log: () => output, stop };
}
