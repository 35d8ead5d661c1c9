/**
 * `driver: auto` (the default): which GPIO driver this machine wants.
 *
 * - no sysfs GPIO (`<sysfsRoot>/export` missing): `gpioset`, the character
 *   device is the only interface left (Raspberry Pi OS releases that dropped
 *   sysfs, most other boards);
 * - sysfs present, but kernel 6.6 or later with a `/dev/gpiochip*` device:
 *   `gpioset`. From 6.6 the sysfs numbers moved (base 512, 571 on a Pi 5) and
 *   the interface is deprecated upstream; the character device is what the
 *   kernel maintains;
 * - sysfs present on an older kernel, or without a character device: `gpio`;
 * - neither: no driver; the message says to use `--driver console`.
 *
 * Pure: the shell (`gpioFacts`) reads the filesystem and `os.release()`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';

export interface GpioFacts {
  /** Whether `<sysfsRoot>/export` exists. */
  sysfsExport: boolean;
  /** `gpiochip*` names under /dev. */
  chipDevices: readonly string[];
  /** `uname -r`, e.g. `6.6.31+rpt-rpi-v8`. */
  kernelRelease: string;
}

export type DriverChoice = { driver: 'gpio' | 'gpioset'; why: string } | { driver: null; why: string };

/** The first kernel whose sysfs GPIO numbering moved and that deprecates it in favour of the character device. */
const CHARDEV_KERNEL: readonly [number, number] = [6, 6];

export function chooseDriver(facts: GpioFacts): DriverChoice {
  const chardev = facts.chipDevices.length > 0;
  if (!facts.sysfsExport) {
    return chardev
      ? { driver: 'gpioset', why: `no sysfs GPIO; /dev/${facts.chipDevices[0]} is a GPIO character device` }
      : {
          driver: null,
          why: 'no GPIO on this machine (no sysfs GPIO, no /dev/gpiochip*): use --driver console, or set driver',
        };
  }
  const [major = 0, minor = 0] = (/^(\d+)\.(\d+)/.exec(facts.kernelRelease) ?? []).slice(1).map(Number);
  const modern = major > CHARDEV_KERNEL[0] || (major === CHARDEV_KERNEL[0] && minor >= CHARDEV_KERNEL[1]);
  if (modern && chardev)
    return {
      driver: 'gpioset',
      why: `kernel ${facts.kernelRelease} deprecates sysfs GPIO; /dev/${facts.chipDevices[0]} is its replacement`,
    };
  return { driver: 'gpio', why: `sysfs GPIO on kernel ${facts.kernelRelease}` };
}

/** What chooseDriver needs, read from this machine. */
export function gpioFacts(sysfsRoot: string, devDir = '/dev'): GpioFacts {
  let chipDevices: string[] = [];
  try {
    chipDevices = readdirSync(devDir)
      .filter((name) => /^gpiochip\d+$/.test(name))
      .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
  } catch {
    chipDevices = [];
  }
  return { sysfsExport: existsSync(join(sysfsRoot, 'export')), chipDevices, kernelRelease: release() };
}
