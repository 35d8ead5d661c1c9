/**
 * Repeats rounds every `intervalMs`, never overlapping: a round that runs
 * longer than the interval delays the next one instead of running beside it.
 * Each round takes a fresh serial and the current target list, and hands
 * every report (progress and final) to the reporter.
 */
import type { Logger, RoundReport, SerialSource } from '@propwatch/shared';
import { type RoundDeps, type RoundOutcome, type RoundSettings, runRound } from './round-engine.js';
import type { Target } from './types.js';

export interface ProbeRunnerDeps extends Omit<RoundDeps, 'onProgress'> {
  serials: Pick<SerialSource, 'next'>;
  /** The targets of the next round; `signal` aborts a discovery in flight (shutdown). */
  resolveTargets: (signal?: AbortSignal) => Promise<Target[]>;
  /** Spools/sends a report; an exception is logged and the round goes on (the round result is still logged). */
  submit: (report: RoundReport) => void;
  logger?: Logger;
  onRound?: (outcome: RoundOutcome) => void;
}

export class ProbeRunner {
  constructor(
    private readonly settings: RoundSettings & { intervalMs: number },
    private readonly deps: ProbeRunnerDeps,
  ) {}

  /** Runs one round and submits its reports. */
  async runOnce(signal?: AbortSignal): Promise<RoundOutcome> {
    const targets = await this.deps.resolveTargets(signal);
    const serial = this.deps.serials.next();
    const outcome = await runRound(
      this.settings,
      targets,
      serial,
      { ...this.deps, onProgress: (report) => this.submit(report) },
      signal,
    );
    if (signal?.aborted) {
      // Interrupted by shutdown: a "complete" report now would call unseen
      // POPs timeouts they never were. The last progress report stands.
      this.deps.logger?.info(
        { roundId: outcome.report.round.id },
        'round interrupted by shutdown; final report not sent',
      );
      return outcome;
    }
    this.submit(outcome.report);
    this.deps.onRound?.(outcome);
    return outcome;
  }

  private submit(report: RoundReport): void {
    try {
      this.deps.submit(report);
    } catch (error) {
      this.deps.logger?.error(
        { roundId: report.round.id, state: report.round.state, err: error },
        'report could not be submitted; the probe goes on',
      );
    }
  }

  /** Runs rounds until `signal` aborts. Errors of one round are logged, and the next round still runs. */
  async runForever(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const startedAt = this.deps.clock.monotonicNow();
      try {
        await this.runOnce(signal);
      } catch (error) {
        // A bug or an unexpected environment failure (disk full for the spool):
        // keep measuring, but make it loud.
        this.deps.logger?.error({ err: error }, 'round failed unexpectedly');
      }
      await this.deps.clock.sleep(startedAt + this.settings.intervalMs - this.deps.clock.monotonicNow(), signal);
    }
  }
}
