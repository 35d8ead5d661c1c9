/**
 * One poll across several aggregator URLs: the current one first; on a
 * failure another replica may not share (no answer, a 5xx) the next, at most
 * once each per poll. What a poll reports when every URL failed is the last
 * reason, with how many were tried, so the log says the whole list is down.
 */
import { type EndpointList, maskUrl } from '@propwatch/shared';
import type { FetchResult } from './status-body.js';
import { createStatusFetcher, type StatusFetcherOptions } from './status-fetcher.js';

export function createFailoverFetcher(
  endpoints: EndpointList,
  options: Omit<StatusFetcherOptions, 'url'>,
  /** Told of each move to the next URL (URLs masked for the log). */
  onFailover?: (from: string, to: string, reason: string) => void,
): () => Promise<FetchResult> {
  const fetchers = new Map(endpoints.urls.map((url) => [url, createStatusFetcher({ ...options, url })]));
  return async () => {
    let result: FetchResult = { ok: false, reason: 'no aggregator URL' };
    for (let tried = 0; tried < endpoints.size; tried++) {
      const { url } = endpoints.pick();
      result = await fetchers.get(url)!();
      if (result.ok) endpoints.succeeded();
      if (result.ok || !result.failover) return result;
      // The stream may have moved the list on meanwhile: a URL is given up once, not twice.
      if (endpoints.currentUrl !== url) continue;
      const moved = endpoints.failed(result.reason);
      if (!moved) return result;
      onFailover?.(maskUrl(moved.fromUrl), maskUrl(moved.toUrl), result.reason);
    }
    return result.ok || endpoints.size === 1
      ? result
      : { ...result, reason: `all ${endpoints.size} aggregator URLs failed; last: ${result.reason}` };
  };
}
