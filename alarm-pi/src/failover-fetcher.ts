/**
 * One poll across several aggregator URLs: the current one first; on a
 * failure another replica may not share (no answer, a 5xx) the next, at most
 * once each per poll. What a poll reports when every URL failed is the last
 * reason, with how many were tried, so the log says the whole list is down.
 */
import type { EndpointList } from './endpoint-list.js';
import type { FetchResult } from './status-body.js';
import { createStatusFetcher, type StatusFetcherOptions } from './status-fetcher.js';

export function createFailoverFetcher(
  endpoints: EndpointList,
  options: Omit<StatusFetcherOptions, 'url'>,
  onFailover?: (from: string, to: string, reason: string) => void,
): () => Promise<FetchResult> {
  const fetchers = new Map(endpoints.urls.map((url) => [url, createStatusFetcher({ ...options, url })]));
  return async () => {
    let result: FetchResult = { ok: false, reason: 'no aggregator URL' };
    for (let tried = 0; tried < endpoints.urls.length; tried++) {
      const url = endpoints.current;
      result = await fetchers.get(url)!();
      if (result.ok || !result.failover) return result;
      if (endpoints.urls.length === 1) return result;
      const next = endpoints.failed(url);
      onFailover?.(url, next, result.reason);
    }
    return result.ok || endpoints.urls.length === 1
      ? result
      : { ...result, reason: `all ${endpoints.urls.length} aggregator URLs failed; last: ${result.reason}` };
  };
}
