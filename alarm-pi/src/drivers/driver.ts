import type { Logger, TextOut } from '@propwatch/shared';
import type { AlarmPiConfig } from '../config.js';
import type { BeaconState } from '../beacon-state.js';

/** One way of switching the light. `set` is only called on changes; `close` turns it off and releases the line. */
export interface BeaconDriver {
  readonly name: string;
  set(on: boolean): Promise<void> | void;
  close(): Promise<void>;
  /** Optional: told about every state change, for drivers that can show text. */
  note?(state: BeaconState, reason: string): void;
}

export interface DriverContext {
  config: AlarmPiConfig;
  logger: Logger;
  /** Where the console driver writes. */
  out: TextOut;
}

/** Opens a driver with the light off. Throws an Error a person can act on when the hardware is not usable. */
export type DriverFactory = (context: DriverContext) => Promise<BeaconDriver>;
