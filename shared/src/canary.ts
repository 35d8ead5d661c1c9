/**
 * The canary TXT record: `propwatch=1 serial=<digits> probe=<probeId>` at
 * `<probeId>.<label>.<zone>`. Parsing is tolerant of what DNS does to TXT data
 * (a record may be split into several character-strings, other TXT records may
 * share the name) and strict about our own format, so a half-written or
 * tampered canary is reported instead of being read as some serial.
 */
import { IDENTIFIER_PATTERN } from './wire/limits.js';

export const CANARY_FORMAT_VERSION = 1;
export const DEFAULT_CANARY_LABEL = '_propwatch';
const PREFIX = 'propwatch=';
const CANARY_RE = /^propwatch=1 serial=([0-9]{1,20}) probe=([A-Za-z0-9][A-Za-z0-9_.-]{0,62})$/;
const identifierRe = new RegExp(IDENTIFIER_PATTERN);

export interface CanaryValue {
  serial: bigint;
  probeId: string;
}

export type CanaryParse =
  { kind: 'found'; serial: bigint; probeId: string } | { kind: 'absent' } | { kind: 'malformed'; reason: string };

/** Owner name of a probe's canary, without the trailing dot. */
export function canaryName(probeId: string, zone: string, label = DEFAULT_CANARY_LABEL): string {
  if (!identifierRe.test(probeId))
    throw new Error(`probe id ${JSON.stringify(probeId)} is not a valid DNS label (expected ${IDENTIFIER_PATTERN})`);
  return `${probeId}.${label}.${zone.replace(/\.$/, '')}`.toLowerCase();
}

/** The TXT content for a serial; one character-string, well under 255 bytes. */
export function buildCanaryTxt(value: CanaryValue): string {
  if (value.serial < 0n) throw new Error('canary serial must not be negative');
  if (!identifierRe.test(value.probeId)) throw new Error(`probe id ${JSON.stringify(value.probeId)} is not valid`);
  return `${PREFIX}${CANARY_FORMAT_VERSION} serial=${value.serial.toString()} probe=${value.probeId}`;
}

/**
 * Reads the canary out of every TXT record at the name. Each record is given
 * as its list of character-strings (or one string), which are concatenated as
 * RFC 7208 §3.3 does for long TXT values. Records that do not start with
 * `propwatch=` belong to someone else and are ignored; one that does but does
 * not match the format makes the whole answer `malformed`. When `probeId` is
 * given, canaries of other probes are ignored. Several canaries (a provider
 * that briefly serves the old and new RR together) yield the highest serial.
 */
export function parseCanary(records: ReadonlyArray<string | ReadonlyArray<string>>, probeId?: string): CanaryParse {
  let best: { serial: bigint; probeId: string } | undefined;
  for (const record of records) {
    const text = typeof record === 'string' ? record : record.join('');
    if (!text.startsWith(PREFIX)) continue;
    const match = CANARY_RE.exec(text);
    if (!match)
      return {
        kind: 'malformed',
        reason: `TXT ${JSON.stringify(text.slice(0, 80))} starts with "${PREFIX}" but is not "propwatch=1 serial=<digits> probe=<id>"`,
      };
    const serial = BigInt(match[1]!);
    const owner = match[2]!;
    if (probeId !== undefined && owner !== probeId) continue;
    if (!best || serial > best.serial) best = { serial, probeId: owner };
  }
  return best ? { kind: 'found', ...best } : { kind: 'absent' };
}
