/**
 * The tiny zone every primary starts with. The SOA refresh is what drives a
 * secondary that gets no NOTIFY (the "lagging" POP), so it is a parameter.
 */

/** A TSIG key known to a test primary; `canUpdate: false` keys are known but have no update rights. */
export interface TestKey {
  name: string;
  algorithm: 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha1';
  /** base64 */
  secret: string;
  canUpdate: boolean;
}

export interface SoaTimers {
  refreshS: number;
  retryS: number;
}

export const DEFAULT_SOA_TIMERS: SoaTimers = { refreshS: 60, retryS: 60 };

export function zoneFile(zone: string, timers: SoaTimers = DEFAULT_SOA_TIMERS): string {
  return `$TTL 5
@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 ${timers.refreshS} ${timers.retryS} 600 5
@ IN NS ns1.${zone}.
ns1 IN A 127.0.0.1
`;
}
