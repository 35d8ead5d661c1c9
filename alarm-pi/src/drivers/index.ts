import type { DriverName } from '../config.js';
import { openConsoleDriver } from './console-driver.js';
import type { DriverFactory } from './driver.js';
import { openGpioDriverFromConfig } from './gpio-driver.js';
import { openGpiosetDriverFromConfig } from './gpioset-driver.js';

/** Every driver, by its config key. The schema's `driver` union is built from the same names. */
export const DRIVERS: Readonly<Record<DriverName, DriverFactory>> = {
  gpio: openGpioDriverFromConfig,
  gpioset: openGpiosetDriverFromConfig,
  console: openConsoleDriver,
};

export type { BeaconDriver, DriverContext, DriverFactory } from './driver.js';
export { ConsoleDriver, openConsoleDriver } from './console-driver.js';
export { chooseDriver, gpioFacts, type DriverChoice, type GpioFacts } from './choose-driver.js';
export { openGpioDriver, type GpioDriverOptions } from './gpio-driver.js';
export {
  GpiosetDriver,
  detectGpiosetVersion,
  gpiosetArgs,
  openGpiosetDriver,
  type GpiosetOptions,
} from './gpioset-driver.js';
export { GpioUnavailableError, PI_GPIO_LABELS, listGpioChips, resolveSysfsLine } from './sysfs-base.js';
export { SysfsGpioLine, type GpioLine, type OpenGpioLine, type SysfsIo } from './sysfs-line.js';
