import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { detectGpiosetVersion, openGpiosetDriver } from '../src/drivers/gpioset-driver.js';

/** A fake gpioset: logs "start <argv>", and if it would hold the line, stays alive until SIGTERM and logs "stop <argv>". */
function fakeGpioset(version: string): { binary: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-gpioset-'));
  const binary = join(dir, 'gpioset');
  const log = join(dir, 'calls.log');
  writeFileSync(
    binary,
    `#!/bin/sh
if [ "$1" = "--version" ]; then echo "gpioset (libgpiod) ${version}"; exit 0; fi
case " $* " in
  *" --mode=signal "*|*" -c "*)
    # The trap before the log line: the test signals as soon as it sees "start".
    trap 'echo "stop $*" >> "${log}"; exit 0' TERM INT
    echo "start $*" >> "${log}"
    while true; do sleep 0.02; done ;;
  *) echo "start $*" >> "${log}" ;;
esac
`,
  );
  chmodSync(binary, 0o755);
  return { binary, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('gpioset driver with a fake gpioset executable', () => {
  it('detects v1 and v2 from --version', async () => {
    expect(await detectGpiosetVersion(fakeGpioset('v1.6.3').binary)).toBe('v1');
    expect(await detectGpiosetVersion(fakeGpioset('v2.1.1').binary)).toBe('v2');
  });

  it('a missing binary names the Debian package', async () => {
    await expect(detectGpiosetVersion('/nonexistent/gpioset')).rejects.toThrow(/not found.*"gpiod".*gpioset.binary/);
  });

  it('v2: holds "-c chip 17=1" while on and releases on off', async () => {
    const fake = fakeGpioset('v2.1.1');
    const driver = await openGpiosetDriver({
      binary: fake.binary,
      chip: 'gpiochip0',
      line: 17,
      activeLow: false,
      version: 'auto',
    });
    expect(fake.calls()).toEqual([]);
    await driver.set(true);
    await vi.waitFor(() => expect(fake.calls()).toEqual(['start -c gpiochip0 17=1']));
    await driver.set(false);
    expect(fake.calls()).toEqual(['start -c gpiochip0 17=1', 'stop -c gpiochip0 17=1']);
    await driver.close();
  });

  it('v1: holds with --mode=signal, and drives 0 once when turned off', async () => {
    const fake = fakeGpioset('v1.6.3');
    const driver = await openGpiosetDriver({
      binary: fake.binary,
      chip: 'gpiochip0',
      line: 17,
      activeLow: false,
      version: 'auto',
    });
    await driver.set(true);
    await vi.waitFor(() => expect(fake.calls()).toContain('start --mode=signal gpiochip0 17=1'));
    await driver.set(false);
    await driver.close();
    expect(fake.calls()).toEqual([
      'start gpiochip0 17=0',
      'start --mode=signal gpiochip0 17=1',
      'stop --mode=signal gpiochip0 17=1',
      'start gpiochip0 17=0',
      'start gpiochip0 17=0',
    ]);
  });

  it('active-low: holds logical 0 while off so the relay cannot fall on, and releases on close', async () => {
    const fake = fakeGpioset('v2.0.2');
    const driver = await openGpiosetDriver({
      binary: fake.binary,
      chip: 'gpiochip4',
      line: 17,
      activeLow: true,
      version: 'v2',
    });
    await vi.waitFor(() => expect(fake.calls()).toEqual(['start -c gpiochip4 -l 17=0']));
    await driver.set(true);
    await vi.waitFor(() => expect(fake.calls()).toContain('start -c gpiochip4 -l 17=1'));
    await driver.close();
    expect(fake.calls()).toEqual([
      'start -c gpiochip4 -l 17=0',
      'stop -c gpiochip4 -l 17=0',
      'start -c gpiochip4 -l 17=1',
      'stop -c gpiochip4 -l 17=1',
    ]);
  });
});
