/** The bounds of the heavy tests' command runner (helpers/docker.ts): a timeout ends the whole process tree. */
import { describe, expect, it } from 'vitest';
import { run } from './helpers/docker.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('run', () => {
  it('returns a non-zero exit as a result, with both streams', async () => {
    const ran = await run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(ran).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('at the timeout kills the children of the command too (a build script and its docker build)', async () => {
    // The shell starts a grandchild and waits; only killing the process group ends both.
    const ran = await run('sh', ['-c', 'sleep 60 & echo $!; wait'], { timeoutMs: 1000 });
    expect(ran.code).toBe(124);
    expect(ran.stderr).toContain('killed after 1 s');
    const grandchild = Number(ran.stdout.trim());
    expect(grandchild).toBeGreaterThan(1);
    // Killed already; poll only for its parent (now init) to reap it.
    await expect.poll(() => alive(grandchild), { timeout: 5000 }).toBe(false);
  });

  it('reports a command that cannot start', async () => {
    const ran = await run('propwatch-no-such-command', []);
    expect(ran.code).toBe(127);
    expect(ran.stderr).toContain('ENOENT');
  });
});
