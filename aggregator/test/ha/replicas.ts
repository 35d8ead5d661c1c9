/**
 * Aggregator replicas as separate processes (the built CLI) on one database,
 * for the HA chaos test: each on its own fixed loopback port so a restart
 * comes back where the probes and the beacon look for it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Component, startComponent, writeConfig } from '../outage-helpers/processes.js';

export interface Replica {
  name: string;
  url: string;
  /** The running process (replaced by restart()). */
  process: Component;
  /** Starts the process again (after a kill); resolves when /readyz answers 200. */
  restart(): Promise<void>;
}

export interface ReplicaOptions {
  dir: string;
  ports: readonly number[];
  /** The config of replica `index` (listen is filled in). */
  config: (index: number) => Record<string, unknown>;
  env?: Record<string, string>;
  /** Every process started, for afterAll to kill. */
  started: Component[];
}

export async function startReplicas(options: ReplicaOptions): Promise<Replica[]> {
  const replicas = options.ports.map((port, index): Replica => {
    const name = `aggregator-${index + 1}`;
    const file = writeConfig(join(options.dir, `${name}.yaml`), {
      ...options.config(index),
      listen: { host: '127.0.0.1', port },
    });
    const start = () => {
      const component = startComponent(name, 'aggregator/dist/cli.js', ['--config', file], {
        logFile: join(options.dir, `${name}.log`),
        ...(options.env ? { env: options.env } : {}),
      });
      options.started.push(component);
      return component;
    };
    const replica: Replica = {
      name,
      url: `http://127.0.0.1:${port}`,
      process: start(),
      async restart() {
        replica.process = start();
        await waitReady(replica, join(options.dir, `${name}.log`));
      },
    };
    return replica;
  });
  await Promise.all(replicas.map((r) => waitReady(r, join(options.dir, `${r.name}.log`))));
  return replicas;
}

/** Waits for /readyz 200; a replica that exits first fails at once with the end of its log. */
async function waitReady(replica: Replica, logFile: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { child } = replica.process;
    if (child.exitCode !== null || child.signalCode !== null) {
      const log = readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n');
      throw new Error(`${replica.name} exited (${child.signalCode ?? `exit ${child.exitCode}`}):\n${log}`);
    }
    if ((await readyz(replica.url)) === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const log = readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n');
  throw new Error(
    `${replica.name} (${replica.url}) was not ready within ${timeoutMs} ms (/readyz ${await readyz(replica.url)}):\n${log}`,
  );
}

/** The HTTP status of GET /readyz, or 0 when nothing answers. */
export async function readyz(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}
