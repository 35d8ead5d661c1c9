import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openGpioDriver } from '../src/drivers/gpio-driver.js';
import { SysfsGpioLine } from '../src/drivers/sysfs-line.js';
import { PI4_CHIPS, PI5_CHIPS, fakeKernel, makeSysfsTree } from './fake-sysfs.js';

function open(root: string, activeLow: boolean) {
  const kernel = fakeKernel(root);
  const driverPromise = openGpioDriver({
    pin: 17,
    activeLow,
    sysfsRoot: root,
    openLine: (line, direction, options) => new SysfsGpioLine(root, line, direction, options, kernel.io),
  });
  return { kernel, driverPromise };
}

describe('gpio driver against a fake sysfs tree', () => {
  it('active-high (NPN stage): exports 529, opens "low", writes values, unexports on close', async () => {
    const root = makeSysfsTree(PI4_CHIPS);
    const { kernel, driverPromise } = open(root, false);
    const driver = await driverPromise;
    await driver.set(true);
    expect(readFileSync(join(root, 'gpio529', 'value'), 'utf8')).toBe('1');
    await driver.set(false);
    await driver.close();
    expect(kernel.writes).toEqual([
      'export=529',
      'gpio529/active_low=0',
      'gpio529/direction=low',
      'gpio529/value=0',
      'gpio529/value=1',
      'gpio529/value=0',
      'gpio529/value=0',
      'unexport=529',
    ]);
    expect(existsSync(join(root, 'gpio529'))).toBe(false);
    expect(kernel.levels.get(529)).toEqual([0, 0, 1, 0, 0]);
  });

  it('active-low relay on a Pi 5: opens "high" so the pin never drops low before the first "on"', async () => {
    const root = makeSysfsTree(PI5_CHIPS);
    const { kernel, driverPromise } = open(root, true);
    const driver = await driverPromise;
    expect(kernel.writes.slice(0, 3)).toEqual(['export=588', 'gpio588/active_low=1', 'gpio588/direction=high']);
    expect(kernel.levels.get(588)).toEqual([1, 1]);
    await driver.set(true);
    await driver.close();
    // physical: high (off) at open and forced off, low (relay on), high (off) at close.
    expect(kernel.levels.get(588)).toEqual([1, 1, 0, 1]);
    expect(kernel.writes.at(-1)).toBe('unexport=588');
  });

  it('reuses a line left exported by a crashed run and forces it off', async () => {
    const root = makeSysfsTree(PI4_CHIPS);
    mkdirSync(join(root, 'gpio529'));
    for (const [file, value] of [
      ['direction', 'out'],
      ['value', '1'],
      ['active_low', '0'],
    ])
      writeFileSync(join(root, 'gpio529', file!), value!);
    const { kernel, driverPromise } = open(root, false);
    await driverPromise;
    expect(kernel.writes).toEqual(['gpio529/active_low=0', 'gpio529/direction=low', 'gpio529/value=0']);
    expect(readFileSync(join(root, 'gpio529', 'value'), 'utf8')).toBe('0');
  });

  it('close is idempotent and set after close does nothing', async () => {
    const root = makeSysfsTree(PI4_CHIPS);
    const { kernel, driverPromise } = open(root, false);
    const driver = await driverPromise;
    await driver.close();
    await driver.close();
    await driver.set(true);
    expect(kernel.writes.filter((w) => w.startsWith('unexport'))).toHaveLength(1);
    expect(kernel.writes.filter((w) => w.endsWith('value=1'))).toHaveLength(0);
  });

  it('a line that cannot be opened is an actionable error', async () => {
    const root = makeSysfsTree(PI4_CHIPS);
    const failing = openGpioDriver({
      pin: 17,
      activeLow: false,
      sysfsRoot: root,
      devDir: root,
      openLine: () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    });
    await expect(failing).rejects.toThrow(
      /cannot open sysfs GPIO 529 \(BCM 17 on pinctrl-bcm2711, base 512\).*EACCES.*"gpio" group.*--driver gpioset/,
    );
  });

  it('the default opener for a non-standard root performs real file writes', async () => {
    const root = makeSysfsTree(PI4_CHIPS);
    // Without a kernel nothing creates gpio529/ on export, so the real-file path must fail cleanly and name the line.
    await expect(openGpioDriver({ pin: 17, activeLow: false, sysfsRoot: root })).rejects.toThrow(
      /cannot open sysfs GPIO 529/,
    );
    expect(readFileSync(join(root, 'export'), 'utf8')).toBe('529');
  });
});
