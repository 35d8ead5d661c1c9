/**
 * A tiny tmpfs for a real full disk. Needs root and a kernel that lets this
 * process mount (a container without CAP_SYS_ADMIN does not); callers skip
 * with the reason when `tryMountTmpfs` says no.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Mounts a tmpfs of `sizeKiB` at a new temp dir; returns it, or the reason it could not. */
export function tryMountTmpfs(sizeKiB: number): { dir: string; unmount: () => void } | { reason: string } {
  if (process.platform !== 'linux') return { reason: `tmpfs needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { reason: 'mounting a tmpfs needs root' };
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-tmpfs-'));
  mkdirSync(dir, { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return {
      reason: `mount -t tmpfs failed (${(mounted.stderr || mounted.error?.message || '').trim()}); no CAP_SYS_ADMIN?`,
    };
  }
  return {
    dir,
    unmount: () => {
      spawnSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
