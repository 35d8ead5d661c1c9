/** Prints the light as text: used by the demo and on machines without GPIO. */
import type { TextOut } from '@propwatch/shared';
import type { BeaconState } from '../beacon-state.js';
import { terminalText } from '../terminal-text.js';
import type { BeaconDriver, DriverContext } from './driver.js';

export class ConsoleDriver implements BeaconDriver {
  readonly name = 'console';
  private state: BeaconState | undefined;
  private reason = '';
  private on: boolean | undefined;

  constructor(private readonly out: TextOut) {}

  note(state: BeaconState, reason: string): void {
    if (state === this.state) return;
    this.state = state;
    this.reason = terminalText(reason);
    this.out.write(`state → ${state}: ${this.reason}\n`);
  }

  set(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    const label = this.state ? `  ${this.state}: ${this.reason}` : '';
    this.out.write(on ? `● BEACON ON ${label}\n` : `○ beacon off${label}\n`);
  }

  async close(): Promise<void> {
    this.set(false);
  }
}

export async function openConsoleDriver(context: Pick<DriverContext, 'out'>): Promise<BeaconDriver> {
  return new ConsoleDriver(context.out);
}
