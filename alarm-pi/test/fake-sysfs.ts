/**
 * A fake /sys/class/gpio in a temp dir, plus a tiny fake kernel behind the
 * writes: export creates gpioN/, unexport removes it, and the physical pin
 * level is tracked the way the kernel drives it (direction high/low is raw,
 * value writes are inverted by active_low).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { SysfsIo } from '../src/drivers/sysfs-line.js';

export function makeSysfsTree(chips: Array<{ dir: string; label: string; base: number }>): string {
  const root = mkdtempSync(join(tmpdir(), 'fake-sysfs-'));
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  for (const chip of chips) {
    mkdirSync(join(root, chip.dir));
    writeFileSync(join(root, chip.dir, 'label'), `${chip.label}\n`);
    writeFileSync(join(root, chip.dir, 'base'), `${chip.base}\n`);
    writeFileSync(join(root, chip.dir, 'ngpio'), '54\n');
  }
  return root;
}

export const PI4_CHIPS = [
  { dir: 'gpiochip512', label: 'pinctrl-bcm2711', base: 512 },
  { dir: 'gpiochip570', label: 'raspberrypi-exp-gpio', base: 570 },
];
export const PI3_CHIPS = [{ dir: 'gpiochip512', label: 'pinctrl-bcm2835', base: 512 }];
// Pi 5: the brcmstb controller takes gpiochip512 and sorts first; the header pins are on rp1.
export const PI5_CHIPS = [
  { dir: 'gpiochip512', label: 'gpio-brcmstb@107d508500', base: 512 },
  { dir: 'gpiochip544', label: 'gpio-brcmstb@107d517c00', base: 544 },
  { dir: 'gpiochip571', label: 'pinctrl-rp1', base: 571 },
];
export const OLD_KERNEL_CHIPS = [
  { dir: 'gpiochip0', label: 'pinctrl-bcm2835', base: 0 },
  { dir: 'gpiochip504', label: 'raspberrypi-exp-gpio', base: 504 },
];

export interface FakeKernel {
  io: SysfsIo;
  /** Every write, as "file=data" relative to the root (gpioN/value=1). */
  writes: string[];
  /** Physical level history of each line (1 = 3.3 V). */
  levels: Map<number, number[]>;
}

export function fakeKernel(root: string): FakeKernel {
  const writes: string[] = [];
  const levels = new Map<number, number[]>();
  const lineOf = (path: string) => Number(basename(dirname(path)).replace('gpio', ''));
  const activeLow = (line: number) => readFileSync(join(root, `gpio${line}`, 'active_low'), 'utf8').trim() === '1';
  const drive = (line: number, level: number) => levels.set(line, [...(levels.get(line) ?? []), level]);
  const io: SysfsIo = {
    exists: (path) => existsSync(path),
    write(path, data) {
      writes.push(`${path.slice(root.length + 1)}=${data}`);
      if (path === join(root, 'export')) {
        const dir = join(root, `gpio${data}`);
        if (existsSync(dir)) throw Object.assign(new Error('EBUSY: already exported'), { code: 'EBUSY' });
        mkdirSync(dir);
        for (const [file, value] of [
          ['direction', 'in'],
          ['value', '0'],
          ['active_low', '0'],
        ])
          writeFileSync(join(dir, file!), `${value}\n`);
        return;
      }
      if (path === join(root, 'unexport')) {
        rmSync(join(root, `gpio${data}`), { recursive: true });
        return;
      }
      if (!existsSync(dirname(path))) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      writeFileSync(path, data);
      const line = lineOf(path);
      if (basename(path) === 'direction' && (data === 'high' || data === 'low')) drive(line, data === 'high' ? 1 : 0);
      if (basename(path) === 'value') drive(line, Number(data) ^ (activeLow(line) ? 1 : 0));
    },
  };
  return { io, writes, levels };
}
