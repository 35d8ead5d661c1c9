/** Memory (via the preloaded sampler.mjs) and open file descriptors (via /proc) of a component process. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Component } from './processes.js';
import { ROOT } from './processes.js';

/** Node flags that load the sampler into a component. */
export const SAMPLER_ARGS = [
  '--expose-gc',
  '--import',
  join(ROOT, 'aggregator', 'test', 'outage-helpers', 'sampler.mjs'),
];

/** Memory figures the preloaded sampler reports, in bytes, after a full GC. */
export interface MemorySample {
  rss: number;
  heapUsed: number;
  /** V8's committed heap: grows with allocation rate (the young generation) without any live object being kept. */
  heapTotal: number;
  newSpace: number;
  /** Memory of Buffers and other off-heap objects V8 knows about. */
  external: number;
  /** RSS split as the kernel sees it: anonymous (malloc, V8 heap) and file-backed (code, mapped files). */
  rssAnon: number;
  rssFile: number;
  /** Shared memory mapped (SQLite's WAL index when the database is on tmpfs). */
  rssShmem: number;
}

export interface ProcessSample extends MemorySample {
  /** Open file descriptors, all of them. */
  fds: number;
  /** Of those, established TCP connections (keep-alive sockets come and go with traffic). */
  connections: number;
  /** Of those, TCP sockets in CLOSE_WAIT: the peer closed and we never did — the typical socket leak. */
  closeWait: number;
}

const TCP_STATES: Record<string, 'connections' | 'closeWait'> = { '01': 'connections', '08': 'closeWait' };

/** Counts the process's fds, and its TCP sockets by state (from /proc/<pid>/net/tcp{,6}, matched by inode). */
export function countFds(pid: number): Pick<ProcessSample, 'fds' | 'connections' | 'closeWait'> {
  const inodes = new Set<string>();
  const fds = readdirSync(`/proc/${pid}/fd`);
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed between readdir and readlink
    }
  }
  const counts = { fds: fds.length, connections: 0, closeWait: 0 };
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const kind = TCP_STATES[fields[3] ?? ''];
      if (kind && inodes.has(fields[9] ?? '')) counts[kind] += 1;
    }
  }
  return counts;
}

let nextId = 0;

export async function sampleProcess(component: Component, timeoutMs = 10_000): Promise<ProcessSample> {
  const id = ++nextId;
  const memory = await new Promise<MemorySample>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`${component.name} (pid ${component.pid}) did not answer the sampler within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (message: MemorySample & { type?: string; id?: number }) => {
      if (message?.type !== 'sample' || message.id !== id) return;
      clearTimeout(timer);
      component.child.off('message', onMessage);
      const { rss, heapUsed, heapTotal, newSpace, external, rssAnon, rssFile, rssShmem } = message;
      resolve({ rss, heapUsed, heapTotal, newSpace, external, rssAnon, rssFile, rssShmem });
    };
    component.child.on('message', onMessage);
    component.child.send({ type: 'sample', id });
  });
  return { ...memory, ...countFds(component.pid) };
}
