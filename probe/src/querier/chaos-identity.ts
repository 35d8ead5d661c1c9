/**
 * Instance identity through CHAOS TXT (RFC 4892), for servers that do not
 * return NSID. It is a separate query, so behind a load balancer it may reach
 * another instance than the IN query before it: prefer NSID where given.
 */
import { IDENTITY_NAMES, RRClass, RRType } from '@propwatch/dns';
import type { Querier } from './querier.js';
import type { FailureReason, QueryTarget } from './results.js';

export type ChaosIdentity =
  | { kind: 'identified'; identity: string; rttMs: number; nsid?: string }
  | { kind: 'failure'; reason: FailureReason | 'no-identity'; detail: string };

/** The wire schema's bound on a POP's `nsid` field, which carries this identity. */
const MAX_IDENTITY_TEXT = 512;

export interface ChaosOptions {
  /** `id.server` (RFC 4892, default) or `hostname.bind` (BIND's older name). */
  name?: string;
  timeoutMs?: number;
  /** Aborts the query (an `aborted` failure). */
  signal?: AbortSignal | undefined;
}

export async function identifyByChaos(
  querier: Pick<Querier, 'query'>,
  target: QueryTarget,
  options: ChaosOptions = {},
): Promise<ChaosIdentity> {
  const name = options.name ?? IDENTITY_NAMES[0]!;
  const result = await querier.query(
    target,
    { name, type: RRType.TXT, class: RRClass.CH },
    { timeoutMs: options.timeoutMs, nsid: false, signal: options.signal },
  );
  if (result.kind === 'failure') return { kind: 'failure', reason: result.reason, detail: result.detail };
  const txt = result.message.answers.find((rr) => rr.type === RRType.TXT && rr.data.kind === 'txt');
  if (!txt || txt.data.kind !== 'txt')
    return { kind: 'failure', reason: 'no-identity', detail: `${target.address}#${target.port} has no CH TXT ${name}` };
  const identity = printable(Buffer.concat(txt.data.strings), MAX_IDENTITY_TEXT);
  return result.nsid === undefined
    ? { kind: 'identified', identity, rttMs: result.rttMs }
    : { kind: 'identified', identity, rttMs: result.rttMs, nsid: result.nsid };
}

/**
 * Bytes as text with anything outside printable ASCII as `\DDD`, so it is safe
 * to log and show; at most `maxLength` characters (a TXT RRset can hold 64 KiB),
 * cut before an escape rather than through it.
 */
function printable(bytes: Buffer, maxLength: number): string {
  let text = '';
  for (const b of bytes) {
    const next = b >= 0x20 && b <= 0x7e && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString().padStart(3, '0')}`;
    if (text.length + next.length > maxLength) break;
    text += next;
  }
  return text;
}
