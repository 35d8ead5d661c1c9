import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpioUnavailableError, resolveSysfsLine } from '../src/drivers/sysfs-base.js';
import { OLD_KERNEL_CHIPS, PI3_CHIPS, PI4_CHIPS, PI5_CHIPS, makeSysfsTree } from './fake-sysfs.js';

function devDir(withGpiochip: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-dev-'));
  if (withGpiochip) writeFileSync(join(dir, 'gpiochip0'), '');
  return dir;
}

describe('resolveSysfsLine on fake sysfs trees', () => {
  it.each([
    ['Pi 4, kernel 6.6+', PI4_CHIPS, 529, 'pinctrl-bcm2711'],
    ['Pi 3, kernel 6.6+', PI3_CHIPS, 529, 'pinctrl-bcm2835'],
    ['Pi 5 (brcmstb chip listed first)', PI5_CHIPS, 588, 'pinctrl-rp1'],
    ['old kernel', OLD_KERNEL_CHIPS, 17, 'pinctrl-bcm2835'],
  ])('%s: BCM 17 → %i', (_name, chips, line, label) => {
    const result = resolveSysfsLine({ pin: 17, sysfsRoot: makeSysfsTree(chips) });
    expect(result.line).toBe(line);
    expect(result.chip?.label).toBe(label);
  });

  it('an explicit override skips detection', () => {
    expect(resolveSysfsLine({ pin: 17, sysfsRoot: '/nonexistent', override: 600 }).line).toBe(600);
  });

  it('no GPIO at all, but /dev/gpiochip*: says to use gpioset', () => {
    const call = () =>
      resolveSysfsLine({ pin: 17, sysfsRoot: join(tmpdir(), 'no-such-sysfs-root'), devDir: devDir(true) });
    expect(call).toThrow(GpioUnavailableError);
    expect(call).toThrow(/no sysfs GPIO under .*no-such-sysfs-root.*use driver "gpioset".*--driver gpioset/);
  });

  it('no GPIO at all and no character devices: says to use console', () => {
    const empty = mkdtempSync(join(tmpdir(), 'empty-sysfs-'));
    expect(() => resolveSysfsLine({ pin: 17, sysfsRoot: empty, devDir: devDir(false) })).toThrow(
      /no sysfs GPIO.*--driver console/,
    );
  });

  it('a machine with GPIO chips but no Pi controller names what it found', () => {
    const root = makeSysfsTree([{ dir: 'gpiochip0', label: 'gpio-mockup-A', base: 0 }]);
    mkdirSync(join(root, 'gpiochipX'));
    expect(() => resolveSysfsLine({ pin: 17, sysfsRoot: root })).toThrow(
      /found gpiochip0=gpio-mockup-A@0.*sysfsLineOverride/,
    );
  });
});
