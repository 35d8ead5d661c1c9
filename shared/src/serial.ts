/**
 * Canary serials: decimal, strictly increasing per probe, also across
 * restarts and backward clock steps. The rule is `max(nowMs, last + 1)`; the
 * last serial is persisted so a restarted probe never reuses one.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Next serial after `last` at wall-clock time `nowMs`. */
export function nextSerial(last: bigint | undefined, nowMs: number): bigint {
  const now = BigInt(Math.floor(nowMs));
  if (last === undefined) return now;
  return now > last ? now : last + 1n;
}

/** Orders two serials numerically (BigInt, no wraparound: they are 64-bit-ish epoch milliseconds). */
export function compareSerials(a: bigint, b: bigint): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when a POP serving `served` has caught up with the write of `written`. */
export function hasPropagated(served: bigint, written: bigint): boolean {
  return served >= written;
}

/**
 * Parses a serial from text; throws a readable error for anything that is not
 * 1–20 decimal digits.
 */
export function parseSerial(text: string): bigint {
  if (!/^[0-9]{1,20}$/.test(text)) throw new Error(`serial ${JSON.stringify(text)} is not 1-20 decimal digits`);
  return BigInt(text);
}

/**
 * Issues serials and remembers the last one in `statePath` (if given). The
 * file is replaced atomically (write + rename) so a crash leaves either the
 * old or the new value, never a torn one.
 */
export class SerialSource {
  private last: bigint | undefined;

  constructor(
    private readonly statePath?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (statePath) this.last = readLastSerial(statePath);
  }

  next(): bigint {
    const serial = nextSerial(this.last, this.now());
    this.last = serial;
    if (this.statePath) {
      mkdirSync(dirname(this.statePath), { recursive: true });
      const tmp = `${this.statePath}.tmp`;
      writeFileSync(tmp, `${serial.toString()}\n`);
      renameSync(tmp, this.statePath);
    }
    return serial;
  }

  get lastIssued(): bigint | undefined {
    return this.last;
  }
}

function readLastSerial(path: string): bigint | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return parseSerial(text);
  } catch {
    throw new Error(
      `serial state file ${path} holds ${JSON.stringify(text.slice(0, 40))}, expected decimal digits; delete it only if no round with a higher serial was written`,
    );
  }
}
