/**
 * The beacon state machine: turns a stream of states into on/off edges.
 * Pure apart from the injected clock; it calls `output` only when the light
 * actually changes.
 */
import type { Pattern } from './config.js';
import { type BeaconPatterns, type BeaconState, patternFor, samePattern } from './beacon-state.js';
import type { Clock } from '@propwatch/shared';

export const LAMP_TEST_MS = 1_000;

export interface BeaconMachineOptions {
  patterns: BeaconPatterns;
  /** Once lit steadily, stay on at least this long, so a flapping alarm does not flicker. */
  minOnMs: number;
  quiet: boolean;
  /** Light the lamp for LAMP_TEST_MS at start, so a dead bulb is noticed. */
  lampTest: boolean;
}

export class BeaconMachine {
  private on = false;
  private litAt = 0;
  private litSteady = false;
  private state: BeaconState | undefined;
  private pattern: Pattern = 'off';
  private phase: 'idle' | 'lamp-test' | 'running' | 'stopped' = 'idle';
  private blinkTimer: unknown;
  private holdTimer: unknown;
  private lampTimer: unknown;

  constructor(
    private readonly options: BeaconMachineOptions,
    private readonly output: (on: boolean) => void,
    private readonly clock: Pick<Clock, 'monotonicNow' | 'setTimeout' | 'clearTimeout'>,
  ) {}

  get lit(): boolean {
    return this.on;
  }

  get current(): { state: BeaconState | undefined; pattern: Pattern } {
    return { state: this.state, pattern: this.pattern };
  }

  start(): void {
    if (this.phase !== 'idle') return;
    if (!this.options.lampTest) {
      this.phase = 'running';
      this.apply();
      return;
    }
    this.phase = 'lamp-test';
    this.write(true);
    this.lampTimer = this.clock.setTimeout(() => {
      this.lampTimer = undefined;
      this.phase = 'running';
      // The lamp test is not an alarm: it must not hold the light on via minOnMs.
      this.litSteady = false;
      this.apply();
    }, LAMP_TEST_MS);
  }

  update(state: BeaconState): void {
    if (this.phase === 'stopped') return;
    const pattern = patternFor(state, this.options.patterns, this.options.quiet);
    this.state = state;
    if (samePattern(pattern, this.pattern)) return;
    this.pattern = pattern;
    if (this.phase === 'running') this.apply();
  }

  /** Cancels every timer and turns the light off; later updates are ignored. */
  stop(): void {
    this.phase = 'stopped';
    this.clearBlink();
    this.clearHold();
    if (this.lampTimer !== undefined) this.clock.clearTimeout(this.lampTimer);
    this.lampTimer = undefined;
    this.write(false);
  }

  private apply(): void {
    const pattern = this.pattern;
    if (pattern === 'steady') {
      this.clearHold();
      this.clearBlink();
      if (!this.on) this.write(true);
      this.litSteady = true;
      return;
    }
    const holdEnd = this.litAt + this.options.minOnMs;
    if (this.on && this.litSteady && this.clock.monotonicNow() < holdEnd) {
      // Leaving a steady light early: keep it on until minOnMs has passed, then apply whatever is current.
      if (this.holdTimer === undefined) {
        this.holdTimer = this.clock.setTimeout(() => {
          this.holdTimer = undefined;
          this.apply();
        }, holdEnd - this.clock.monotonicNow());
      }
      return;
    }
    this.clearHold();
    this.clearBlink();
    this.litSteady = false;
    if (pattern === 'off') {
      this.write(false);
      return;
    }
    this.blink(pattern, true);
  }

  private blink(cycle: { onMs: number; offMs: number }, on: boolean): void {
    this.write(on);
    this.blinkTimer = this.clock.setTimeout(() => this.blink(cycle, !on), on ? cycle.onMs : cycle.offMs);
  }

  private clearBlink(): void {
    if (this.blinkTimer !== undefined) this.clock.clearTimeout(this.blinkTimer);
    this.blinkTimer = undefined;
  }

  private clearHold(): void {
    if (this.holdTimer !== undefined) this.clock.clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
  }

  private write(on: boolean): void {
    if (on === this.on) return;
    this.on = on;
    if (on) this.litAt = this.clock.monotonicNow();
    this.output(on);
  }
}
