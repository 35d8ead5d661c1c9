/**
 * Finds the sysfs GPIO number of a BCM pin. Since Linux 6.6 the numbers are
 * not the BCM numbers: they are `base + BCM` of the chip labelled
 * pinctrl-bcm2835 / pinctrl-bcm2711 (base 512 on Pi 3/4) or pinctrl-rp1
 * (base 571 on Pi 5, where gpiochip512 belongs to the brcmstb controller and
 * is listed first). Older kernels use base 0. Exporting the bare BCM number on
 * a new kernel fails with EINVAL, so the base must be looked up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const PI_GPIO_LABELS = ['pinctrl-bcm2835', 'pinctrl-bcm2711', 'pinctrl-rp1'] as const;

export interface GpioChip {
  dir: string;
  label: string;
  base: number;
}

/** Thrown when sysfs GPIO cannot be used; the message says which driver to use instead. */
export class GpioUnavailableError extends Error {
  override readonly name = 'GpioUnavailableError';
}

export function listGpioChips(sysfsRoot: string): GpioChip[] {
  let entries: string[];
  try {
    entries = readdirSync(sysfsRoot).filter((name) => name.startsWith('gpiochip'));
  } catch {
    return [];
  }
  const chips: GpioChip[] = [];
  for (const dir of entries) {
    try {
      const label = readFileSync(join(sysfsRoot, dir, 'label'), 'utf8').trim();
      const base = Number(readFileSync(join(sysfsRoot, dir, 'base'), 'utf8').trim());
      if (Number.isInteger(base)) chips.push({ dir, label, base });
    } catch {
      // A chip directory without label/base is not one we can use; keep looking.
    }
  }
  return chips;
}

/** What to tell a person whose machine has no usable sysfs GPIO. */
export function suggestDriver(devDir: string): string {
  let hasCdev = false;
  try {
    hasCdev = readdirSync(devDir).some((name) => name.startsWith('gpiochip'));
  } catch {
    hasCdev = false;
  }
  return hasCdev
    ? `${devDir}/gpiochip* exists, so use driver "gpioset" (Debian package gpiod) instead: --driver gpioset`
    : `no ${devDir}/gpiochip* either: on a machine without GPIO use --driver console`;
}

export interface ResolveLineOptions {
  pin: number;
  sysfsRoot: string;
  override?: number | undefined;
  /** Where character devices live (for the suggestion); /dev by default. */
  devDir?: string;
}

export function resolveSysfsLine(options: ResolveLineOptions): { line: number; chip: GpioChip | undefined } {
  if (options.override !== undefined) return { line: options.override, chip: undefined };
  const chips = listGpioChips(options.sysfsRoot);
  const devDir = options.devDir ?? '/dev';
  if (chips.length === 0) {
    throw new GpioUnavailableError(
      `no sysfs GPIO under ${options.sysfsRoot} (no gpiochip*/label and base found); ${suggestDriver(devDir)}`,
    );
  }
  const chip = chips.find((candidate) => (PI_GPIO_LABELS as readonly string[]).includes(candidate.label));
  if (!chip) {
    const found = chips.map((c) => `${c.dir}=${c.label}@${c.base}`).join(', ');
    throw new GpioUnavailableError(
      `no Raspberry Pi GPIO chip (${PI_GPIO_LABELS.join(', ')}) under ${options.sysfsRoot}; found ${found}. ` +
        'Set gpio.sysfsLineOverride to the sysfs number of your pin, or use --driver gpioset / console',
    );
  }
  return { line: chip.base + options.pin, chip };
}
