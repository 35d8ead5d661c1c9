/**
 * Aggregator replicas as separate processes (the built CLI) on one database,
 * for the HA chaos test: each on its own fixed loopback port so a restart
 * comes back where the probes and the beacon look for it.
 */
import { join } from 'node:path';
import { type Component, startComponent, waitForHttp, writeConfig } from '../outage-helpers/processes.js';

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
        await waitForHttp(`${replica.url}/readyz`, 30_000);
      },
    };
    return replica;
  });
  await Promise.all(replicas.map((r) => waitForHttp(`${r.url}/readyz`, 30_000)));
  return replicas;
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
