/**
 * N POPs chosen across the regions, as an operator asking for "5 POPs" means
 * it: the first N of the default list would all be North American (SJC LAX
 * ORD DFW IAD), with no slow Asia-Pacific tail and no European tier. Regions
 * take turns (na, eu, apac, na, …) until one runs out; the chosen POPs keep
 * the default list's order. Past the 14 named POPs, POP15, POP16, … take the
 * regions in turn too.
 */
import { DEFAULT_POP_NAMES, DEFAULT_POP_REGIONS, type PopSpec } from './topology.js';

export function spreadPops(count: number): PopSpec[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`pops: expected a count from 1 up, got ${count}`);
  const byRegion = new Map<string, string[]>();
  for (const name of DEFAULT_POP_NAMES) {
    const region = DEFAULT_POP_REGIONS[name] ?? 'na';
    byRegion.set(region, [...(byRegion.get(region) ?? []), name]);
  }
  const regions = [...byRegion.keys()];
  const chosen = new Set<string>();
  for (let turn = 0; chosen.size < Math.min(count, DEFAULT_POP_NAMES.length); turn++) {
    for (const names of byRegion.values()) {
      const name = names[turn];
      if (name !== undefined && chosen.size < count) chosen.add(name);
    }
  }
  const named: PopSpec[] = DEFAULT_POP_NAMES.filter((name) => chosen.has(name)).map((name) => ({ name }));
  const extra = Array.from({ length: Math.max(0, count - DEFAULT_POP_NAMES.length) }, (_, i) => ({
    name: `POP${DEFAULT_POP_NAMES.length + i + 1}`,
    region: regions[i % regions.length] ?? 'na',
  }));
  return [...named, ...extra];
}
