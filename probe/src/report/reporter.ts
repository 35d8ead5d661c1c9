/**
 * The probe's reporting path: every report is spooled to disk first and then
 * delivered by the sender; `submit` never blocks on the network.
 */
import type { Logger, RoundReport } from '@propwatch/shared';
import { ReportSender, type SenderDeps, type SenderOptions } from './sender.js';
import { Spool } from './spool.js';

export interface ReporterOptions extends SenderOptions {
  spoolDir: string;
  maxSpoolFiles: number;
}

export interface ReporterEvents {
  onDropped?: (count: number) => void;
}

export class Reporter {
  readonly spool: Spool;
  readonly sender: ReportSender;

  constructor(
    options: ReporterOptions,
    deps: SenderDeps & ReporterEvents,
    private readonly logger?: Logger,
  ) {
    this.spool = new Spool(options.spoolDir, options.maxSpoolFiles, (file, reason) => logger?.error({ file, reason }, 'spooled report unreadable; renamed to .corrupt'));
    this.sender = new ReportSender(this.spool, options, deps);
    this.onDropped = deps.onDropped;
  }

  private readonly onDropped: ((count: number) => void) | undefined;

  start(): void {
    this.sender.start();
  }

  submit(report: RoundReport): void {
    const { dropped } = this.spool.put(report);
    if (dropped.length) {
      this.onDropped?.(dropped.length);
      this.logger?.warn({ dropped: dropped.length, oldest: dropped[0], spooled: this.spool.size }, 'report spool full: dropped the oldest rounds');
    }
    this.sender.notify();
  }

  stop(): Promise<void> {
    return this.sender.stop();
  }
}
