/** The injected provider API fault: set by the admin API or in-process, taken one request at a time. */
import type { ApiFault, SimApiDeps } from './api-deps.js';

export function createApiFaultSlot(): SimApiDeps['apiFault'] {
  let fault: ApiFault | null = null;
  return {
    get: () => fault,
    set: (next) => (fault = next ? { ...next } : null),
    take: () => {
      if (!fault) return null;
      const taken = { ...fault };
      fault = fault.count > 1 ? { ...fault, count: fault.count - 1 } : null;
      return taken;
    },
  };
}
