/** Small helpers the real-server tests share. */
import { randomBytes } from 'node:crypto';
import type { PopResult } from '@propwatch/shared';

/** A fresh base64 TSIG secret of `bytes` random bytes. */
export const randomSecret = (bytes: number): string => randomBytes(bytes).toString('base64');

/** The result for one POP, or an error that shows what the round did report. */
export function popResult(pops: readonly PopResult[], name: string): PopResult {
  const found = pops.find((result) => result.pop === name);
  if (!found) throw new Error(`no result for POP ${name} in ${JSON.stringify(pops)}`);
  return found;
}
