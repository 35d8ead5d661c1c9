/**
 * A sysfs GPIO line with the same operations, in the same order, as onoff's
 * `Gpio` (export if needed, active_low, direction, value writes, unexport),
 * but under any root. onoff hard-codes /sys/class/gpio; this class serves a
 * relocated sysfs (a container mount) and the fake trees the tests build.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The subset of onoff's Gpio the gpio driver uses. */
export interface GpioLine {
  writeSync(value: 0 | 1): void;
  unexport(): void;
}

export interface LineOptions {
  activeLow: boolean;
}

/** Opens (exports and configures) a line; onoff's Gpio constructor has this shape. */
export type OpenGpioLine = (
  line: number,
  direction: 'high' | 'low',
  options: LineOptions,
) => GpioLine | Promise<GpioLine>;

/** File access, injected so tests can put a fake kernel behind the tree. */
export interface SysfsIo {
  write(path: string, data: string): void;
  exists(path: string): boolean;
}

export const nodeSysfsIo: SysfsIo = {
  write: (path, data) => writeFileSync(path, data),
  exists: (path) => existsSync(path),
};

// udev changes ownership of a freshly exported line a moment after the
// directory appears; until then writes fail with EACCES. onoff retries the
// same way (up to 10,000 attempts).
const PERMISSION_RETRIES = 10_000;

export class SysfsGpioLine implements GpioLine {
  private readonly dir: string;

  constructor(
    private readonly root: string,
    private readonly line: number,
    direction: 'high' | 'low',
    options: LineOptions,
    private readonly io: SysfsIo = nodeSysfsIo,
  ) {
    this.dir = join(root, `gpio${line}`);
    // A line left exported by a crashed run is reused, not exported again (that would be EBUSY).
    if (!io.exists(this.dir)) io.write(join(root, 'export'), String(line));
    this.writeWithRetry('active_low', options.activeLow ? '1' : '0');
    // "high"/"low" set output and level in one step, so there is no instant at a wrong level.
    this.writeWithRetry('direction', direction);
  }

  writeSync(value: 0 | 1): void {
    this.io.write(join(this.dir, 'value'), String(value));
  }

  unexport(): void {
    this.io.write(join(this.root, 'unexport'), String(this.line));
  }

  private writeWithRetry(file: string, data: string): void {
    for (let attempt = 1; ; attempt++) {
      try {
        this.io.write(join(this.dir, file), data);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (attempt >= PERMISSION_RETRIES || (code !== 'EACCES' && code !== 'ENOENT')) throw error;
      }
    }
  }
}
