/** `--once`: one poll, one line (`state: reason`), an exit code for scripts; the light is not touched. */
import { EndpointList, type TextOut } from '@propwatch/shared';
import { aggregatorUrls, type AlarmPiConfig } from './config.js';
import { createFailoverFetcher } from './failover-fetcher.js';
import { terminalText } from './terminal-text.js';

/** 0 = ok, 1 = alarm, 2 = anything else (stale, degraded, unreachable). `fetch`: as for the daemon (main.ts). */
export async function pollOnce(config: AlarmPiConfig, out: TextOut, fetch?: typeof globalThis.fetch): Promise<number> {
  const result = await createFailoverFetcher(new EndpointList(aggregatorUrls(config)), {
    readToken: config.aggregator.readToken,
    timeoutMs: config.aggregator.timeoutMs,
    ...(fetch ? { fetch } : {}),
  })();
  if (!result.ok) {
    // The same reason the daemon logs for a failed poll: what failed, against which URL.
    out.write(`unreachable: ${terminalText(result.reason)}\n`);
    return 2;
  }
  out.write(`${result.status.state}: ${terminalText(result.status.reason)}\n`);
  return result.status.state === 'ok' ? 0 : result.status.state === 'alarm' ? 1 : 2;
}
