/**
 * The probe's reporting path: every report is checked against the wire
 * schema, spooled to disk and then delivered by the sender; `submit` never
 * blocks on the network and never throws, so a full disk or a probe bug costs
 * reports (logged and counted), not the probe.
 */
import type { Logger, RoundReport } from '@propwatch/shared';
import { findReportProblems } from './check-report.js';
import { ReportSender, type SenderDeps, type SenderOptions } from './sender.js';
import { Spool } from './spool.js';

export type ReporterOptions = SenderOptions & {
  spoolDir: string;
  maxSpoolFiles: number;
};

export interface ReporterEvents {
  onDropped?: (count: number) => void;
  /** A report was not spooled: it fails the wire schema (a bug), or writing it failed (disk full, permissions). */
  onNotSpooled?: (reason: NotSpooledReason) => void;
}

export type NotSpooledReason = 'invalid' | 'spool_error';

/** What became of a submitted report. */
export type SubmitResult = 'spooled' | NotSpooledReason;

export class Reporter {
  readonly spool: Spool;
  readonly sender: ReportSender;

  constructor(
    options: ReporterOptions,
    deps: SenderDeps & ReporterEvents,
    private readonly logger?: Logger,
  ) {
    this.spool = new Spool(options.spoolDir, options.maxSpoolFiles, (file, reason) =>
      logger?.error({ file, reason }, 'spooled report unreadable; renamed to .corrupt'),
    );
    this.sender = new ReportSender(this.spool, options, deps);
    this.events = deps;
  }

  private readonly events: ReporterEvents;

  start(): void {
    this.sender.start();
  }

  /** Spools `report` for delivery, replacing the round's previous report. */
  submit(report: RoundReport): SubmitResult {
    const roundId = report.round.id;
    const problems = findReportProblems(report);
    const [first] = problems;
    if (first) {
      // Not spooled: the aggregator would refuse it with a 400. The round's
      // previous report (if any) stays in the spool and is still delivered.
      this.logger?.error(
        { roundId, state: report.round.state, problems },
        `report fails the wire schema: ${first.message}; not sent. This is a probe bug: please report it`,
      );
      this.events.onNotSpooled?.('invalid');
      return 'invalid';
    }
    let dropped: string[];
    try {
      ({ dropped } = this.spool.put(report));
    } catch (error) {
      this.logger?.error(
        { roundId, state: report.round.state, spoolDir: this.spool.dir, err: error },
        'could not write the report to the spool (disk full? permissions?); this report is lost, the probe goes on',
      );
      this.events.onNotSpooled?.('spool_error');
      return 'spool_error';
    }
    if (dropped.length) {
      this.events.onDropped?.(dropped.length);
      this.logger?.warn(
        { dropped: dropped.length, oldest: dropped[0], spooled: this.spool.size },
        'report spool full: dropped the oldest rounds',
      );
    }
    this.sender.notify();
    return 'spooled';
  }

  stop(): Promise<void> {
    return this.sender.stop();
  }
}
