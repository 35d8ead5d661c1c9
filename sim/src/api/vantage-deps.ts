/** The vantage table as the admin API and /metrics see it; an admin reroute is logged. */
import type { Logger } from '@propwatch/shared';
import type { AnycastListener } from '../dns-listeners.js';
import type { VantageTable } from '../vantage-table.js';
import type { VantageDeps } from './api-deps.js';

export function vantageDeps(
  table: VantageTable,
  anycast: () => readonly AnycastListener[],
  vantagesOnUnicast: boolean,
  logger?: Logger,
): VantageDeps {
  return {
    list: () => table.list(),
    names: () => table.names(),
    anycast: () => anycast().map((listener) => ({ ...listener })),
    reroute: (vantage, address, pop) => {
      const event = table.reroute(vantage, address, pop, 'admin');
      logger?.info(event, 'catchment moved');
      return event;
    },
    reroutes: () => table.reroutes(),
    rerouteCount: () => table.rerouteCount(),
    vantagesOnUnicast,
  };
}
