/**
 * Child-process plumbing for benchmarks: free loopback ports, JSON lines from
 * children, and RSS/CPU read from /proc (what `ps` shows, without spawning it).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident set size now and its peak (VmHWM), in MiB. */
export function readMemory(pid = process.pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** CPU seconds (user + system) used by `pid`, and by its waited-for children (`children`). */
export function readCpuSeconds(pid = process.pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]) / CLOCK_TICKS);
  return { self: utime + stime, children: cutime + cstime };
}

/**
 * Starts `node script args` and resolves with the child, its first JSON
 * stdout line (the script's "ready" message) and `next()`, which resolves
 * with each later JSON line in order.
 */
export function startNodeChild(script, args = [], { env, readyTimeoutMs = 30_000 } = {}) {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const queued = [];
  const waiting = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      return;
    }
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queued.push(message);
  });
  const next = (timeoutMs = 180_000) =>
    new Promise((resolve, reject) => {
      if (queued.length) return resolve(queued.shift());
      const timer = setTimeout(() => reject(new Error(`${script}: no JSON line within ${timeoutMs} ms`)), timeoutMs);
      const onExit = (code) => reject(new Error(`${script} exited with ${code}`));
      child.once('exit', onExit);
      waiting.push((message) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(message);
      });
    });
  return next(readyTimeoutMs).then(
    (ready) => ({ child, ready, next }),
    (error) => {
      child.kill('SIGKILL');
      throw error;
    },
  );
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopChild(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** Runs a command to completion, collecting stdout/stderr (bounded by `timeoutMs`). */
export function runCommand(command, args, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: String(error) });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
