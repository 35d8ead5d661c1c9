/**
 * The `gpio` driver: one sysfs GPIO line. The real /sys/class/gpio goes
 * through onoff; any other root (tests, relocated mounts) through
 * SysfsGpioLine, which performs the same writes. The driver logic (line
 * number, start direction, values, release) is the same for both.
 */
import { GpioUnavailableError, resolveSysfsLine, suggestDriver } from './sysfs-base.js';
import { SysfsGpioLine, type GpioLine, type OpenGpioLine } from './sysfs-line.js';
import type { BeaconDriver, DriverContext } from './driver.js';

export const DEFAULT_SYSFS_ROOT = '/sys/class/gpio';

export interface GpioDriverOptions {
  pin: number;
  activeLow: boolean;
  sysfsRoot: string;
  sysfsLineOverride?: number | undefined;
  devDir?: string;
  /** Injected line opener; by default onoff for the real root, SysfsGpioLine otherwise. */
  openLine?: OpenGpioLine;
}

export function defaultLineOpener(sysfsRoot: string): OpenGpioLine {
  if (sysfsRoot !== DEFAULT_SYSFS_ROOT)
    return (line, direction, options) => new SysfsGpioLine(sysfsRoot, line, direction, options);
  return async (line, direction, options) => {
    // Imported lazily: onoff loads a native module (epoll) that the console and gpioset drivers never need.
    let Gpio: typeof import('onoff').Gpio;
    try {
      ({ Gpio } = await import('onoff'));
    } catch (error) {
      // The one-file bundle leaves onoff out (a native module built on the Pi): say how to add it or what else to use.
      throw new GpioUnavailableError(
        `the gpio driver needs the onoff package (${(error as Error).message.split('\n')[0]}): ` +
          'run "npm install onoff@6" beside propwatch-alarm, or use --driver gpioset (Debian package gpiod)',
      );
    }
    if (!Gpio.accessible) throw new Error(`${DEFAULT_SYSFS_ROOT}/export is not writable`);
    return new Gpio(line, direction, 'none', options);
  };
}

export async function openGpioDriver(options: GpioDriverOptions): Promise<BeaconDriver> {
  const { line, chip } = resolveSysfsLine({
    pin: options.pin,
    sysfsRoot: options.sysfsRoot,
    override: options.sysfsLineOverride,
    devDir: options.devDir,
  });
  // The kernel applies active_low to value writes but not to the "high"/"low"
  // direction, which sets the raw level. An active-low relay is off when the
  // pin is high, so it must be opened "high"; otherwise it clicks on at start.
  const direction = options.activeLow ? 'high' : 'low';
  const open = options.openLine ?? defaultLineOpener(options.sysfsRoot);
  let gpio: GpioLine;
  try {
    gpio = await open(line, direction, { activeLow: options.activeLow });
  } catch (error) {
    throw new GpioUnavailableError(
      `cannot open sysfs GPIO ${line} (BCM ${options.pin}${chip ? ` on ${chip.label}, base ${chip.base}` : ''}) under ${options.sysfsRoot}: ` +
        `${(error as Error).message}. Is the user in the "gpio" group (Docker: privileged with /sys mounted)? Otherwise ${suggestDriver(options.devDir ?? '/dev')}`,
    );
  }
  // Values are logical (active_low is set on the line): 1 is "light on" for both wirings.
  gpio.writeSync(0);
  let closed = false;
  return {
    name: 'gpio',
    set(on: boolean) {
      if (!closed) gpio.writeSync(on ? 1 : 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        gpio.writeSync(0);
      } finally {
        gpio.unexport();
      }
    },
  };
}

export function openGpioDriverFromConfig(context: DriverContext): Promise<BeaconDriver> {
  const { config } = context;
  return openGpioDriver({
    pin: config.pin,
    activeLow: config.activeLow,
    sysfsRoot: config.gpio.sysfsRoot,
    sysfsLineOverride: config.gpio.sysfsLineOverride,
  });
}
