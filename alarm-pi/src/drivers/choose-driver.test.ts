import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseDriver, gpioFacts } from './choose-driver.js';

describe('driver auto', () => {
  it.each([
    ['Pi 4, kernel 6.1, sysfs and chardev', true, ['gpiochip0', 'gpiochip1'], '6.1.21-v8+', 'gpio'],
    ['Pi 4, kernel 6.6: sysfs deprecated', true, ['gpiochip0'], '6.6.31+rpt-rpi-v8', 'gpioset'],
    ['Pi 5, kernel 6.12', true, ['gpiochip0', 'gpiochip4'], '6.12.25+rpt-rpi-2712', 'gpioset'],
    ['kernel 7.0', true, ['gpiochip0'], '7.0.1', 'gpioset'],
    ['kernel 6.6 without a chardev keeps sysfs', true, [], '6.6.31', 'gpio'],
    ['no sysfs GPIO at all (OS without it)', false, ['gpiochip0'], '6.1.0', 'gpioset'],
    ['an unreadable release with sysfs', true, ['gpiochip0'], 'custom', 'gpio'],
    ['neither: a laptop or a container', false, [], '6.8.0-45-generic', null],
  ])('%s → %s', (_name, sysfsExport, chipDevices, kernelRelease, expected) => {
    const choice = chooseDriver({ sysfsExport, chipDevices, kernelRelease });
    expect(choice.driver).toBe(expected);
    if (expected === null) expect(choice.why).toContain('--driver console');
  });

  it('reads the facts from the filesystem, only gpiochipN devices, in number order', () => {
    const root = mkdtempSync(join(tmpdir(), 'propwatch-gpio-'));
    mkdirSync(join(root, 'sys'));
    mkdirSync(join(root, 'dev'));
    for (const name of ['gpiochip10', 'gpiochip2', 'gpiomem', 'tty0']) writeFileSync(join(root, 'dev', name), '');
    expect(gpioFacts(join(root, 'sys'), join(root, 'dev'))).toMatchObject({
      sysfsExport: false,
      chipDevices: ['gpiochip2', 'gpiochip10'],
    });
    writeFileSync(join(root, 'sys', 'export'), '');
    expect(gpioFacts(join(root, 'sys'), join(root, 'dev')).sysfsExport).toBe(true);
    expect(gpioFacts(join(root, 'missing'), join(root, 'missing')).chipDevices).toEqual([]);
  });
});
