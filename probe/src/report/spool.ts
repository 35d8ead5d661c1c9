/**
 * On-disk spool of reports waiting for delivery: one file per round, holding
 * the latest report of that round (a progress report is replaced by the next
 * one, and by the final one). Files are written to a temp name and renamed,
 * so a crash leaves the old or the new report, never a torn file. Only final
 * reports are fsynced before the rename: a progress report is replaced a
 * second later, and losing one to a power cut costs nothing the next one (or
 * the final report) does not carry; should the file system leave it torn, the
 * start-up scan moves it aside as `.corrupt`.
 * The spool is bounded: past `maxFiles` the oldest rounds are dropped, and
 * the caller is told how many so it can count and warn. Reports the
 * aggregator refused for good are kept in `rejected/` for inspection, at most
 * MAX_REJECTED of them (oldest removed): a probe whose every report is refused
 * (its clock is off) must not fill its disk.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { RoundReport } from '@propwatch/shared';

const PREFIX = 'round-';
const SUFFIX = '.json';
/** Refused reports kept (one file per round); a day of 30 s rounds is 2,880. */
export const MAX_REJECTED = 1_000;

export interface SpoolEntry {
  roundId: string;
  serial: bigint;
  /** Bumped on every put; delivery removes a file only if it is still the version sent. */
  generation: number;
}

export interface PutResult {
  /** Round ids dropped to stay within the bound (oldest first). */
  dropped: string[];
}

export interface SpoolOptions {
  /** Flushes a written file to disk; injected so tests can see which puts pay for it. */
  fsync?: (fd: number) => void;
}

export class Spool {
  private readonly entries = new Map<string, SpoolEntry>();
  /** File names in `rejected/`, oldest first. */
  private readonly rejected: string[];
  private generationCounter = 0;
  private readonly fsync: (fd: number) => void;

  constructor(
    readonly dir: string,
    private readonly maxFiles: number,
    /** Reports a file that could not be read at start (moved aside, never deleted). */
    onCorrupt: (file: string, reason: string) => void = () => {},
    options: SpoolOptions = {},
  ) {
    this.fsync = options.fsync ?? fsyncSync;
    mkdirSync(dir, { recursive: true });
    this.rejected = listOldestFirst(join(dir, 'rejected'));
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.tmp')) {
        unlinkSync(join(dir, file)); // an interrupted write; the previous version is still in place
        continue;
      }
      if (!file.startsWith(PREFIX) || !file.endsWith(SUFFIX)) continue;
      try {
        const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as RoundReport;
        this.entries.set(report.round.id, {
          roundId: report.round.id,
          serial: BigInt(report.round.serial),
          generation: ++this.generationCounter,
        });
      } catch (error) {
        renameSync(join(dir, file), join(dir, `${file}.corrupt`));
        onCorrupt(file, (error as Error).message);
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  put(report: RoundReport): PutResult {
    const roundId = report.round.id;
    const path = this.pathOf(roundId);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(report));
      if (report.round.state !== 'running') this.fsync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    this.entries.set(roundId, { roundId, serial: BigInt(report.round.serial), generation: ++this.generationCounter });
    return { dropped: this.enforceBound() };
  }

  /** The entry to deliver next: the newest round, so live progress is not stuck behind a backlog. */
  next(): SpoolEntry | undefined {
    let best: SpoolEntry | undefined;
    for (const entry of this.entries.values()) {
      if (!best || entry.serial > best.serial) best = entry;
    }
    return best;
  }

  read(entry: SpoolEntry): string {
    return readFileSync(this.pathOf(entry.roundId), 'utf8');
  }

  /** Removes a delivered report unless a newer version of the round was spooled meanwhile. */
  acknowledge(entry: SpoolEntry): boolean {
    const current = this.entries.get(entry.roundId);
    if (!current || current.generation !== entry.generation) return false;
    this.entries.delete(entry.roundId);
    ignoreMissing(() => unlinkSync(this.pathOf(entry.roundId)));
    return true;
  }

  /** Moves a report the aggregator refused for good into `rejected/`, so it is kept for inspection but not retried. */
  reject(entry: SpoolEntry): void {
    const current = this.entries.get(entry.roundId);
    if (!current || current.generation !== entry.generation) return;
    const rejectedDir = join(this.dir, 'rejected');
    mkdirSync(rejectedDir, { recursive: true });
    this.entries.delete(entry.roundId);
    const name = `${PREFIX}${safeName(entry.roundId)}${SUFFIX}`;
    ignoreMissing(() => renameSync(this.pathOf(entry.roundId), join(rejectedDir, name)));
    const known = this.rejected.indexOf(name);
    if (known !== -1) this.rejected.splice(known, 1); // a later report of the same round replaced the file
    this.rejected.push(name);
    while (this.rejected.length > MAX_REJECTED) {
      const oldest = this.rejected.shift()!;
      ignoreMissing(() => unlinkSync(join(rejectedDir, oldest)));
    }
  }

  private enforceBound(): string[] {
    const dropped: string[] = [];
    while (this.entries.size > this.maxFiles) {
      let oldest: SpoolEntry | undefined;
      for (const entry of this.entries.values()) if (!oldest || entry.serial < oldest.serial) oldest = entry;
      if (!oldest) break;
      this.entries.delete(oldest.roundId);
      const path = this.pathOf(oldest.roundId);
      ignoreMissing(() => unlinkSync(path));
      dropped.push(oldest.roundId);
    }
    return dropped;
  }

  private pathOf(roundId: string): string {
    return join(this.dir, `${PREFIX}${safeName(roundId)}${SUFFIX}`);
  }
}

/** The files of `dir` (none if it does not exist), oldest first by modification time. */
function listOldestFirst(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return files
    .map((file) => ({ file, at: statSync(join(dir, file)).mtimeMs }))
    .sort((a, b) => a.at - b.at || (a.file < b.file ? -1 : 1))
    .map(({ file }) => file);
}

/**
 * Runs a removal or move whose goal is met when the file is already gone
 * (someone cleaned the spool directory by hand); other errors propagate.
 */
function ignoreMissing(operation: () => void): void {
  try {
    operation();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Round ids are validated by the wire schema, but a file name must never escape the spool directory. */
function safeName(roundId: string): string {
  return roundId.replace(/[^A-Za-z0-9_.-]/g, '_');
}
