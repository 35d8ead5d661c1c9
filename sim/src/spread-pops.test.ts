import { describe, expect, it } from 'vitest';
import { spreadPops } from './spread-pops.js';
import { DEFAULT_POP_REGIONS } from './topology.js';

const regionsOf = (count: number) => spreadPops(count).map((pop) => pop.region ?? DEFAULT_POP_REGIONS[pop.name] ?? '?');

describe('spreadPops', () => {
  it('takes the regions in turn, keeping the default order', () => {
    expect(spreadPops(3).map((p) => p.name)).toEqual(['SJC', 'LHR', 'SIN']);
    expect(spreadPops(5).map((p) => p.name)).toEqual(['SJC', 'LAX', 'LHR', 'AMS', 'SIN']);
    expect(new Set(regionsOf(3))).toEqual(new Set(['na', 'eu', 'apac']));
  });

  it('is the whole default list at 14, and names the rest across regions', () => {
    expect(spreadPops(14).map((p) => p.name)).toEqual([
      'SJC',
      'LAX',
      'ORD',
      'DFW',
      'IAD',
      'EWR',
      'MIA',
      'LHR',
      'AMS',
      'FRA',
      'CDG',
      'SIN',
      'NRT',
      'SYD',
    ]);
    expect(spreadPops(17).slice(14)).toEqual([
      { name: 'POP15', region: 'na' },
      { name: 'POP16', region: 'eu' },
      { name: 'POP17', region: 'apac' },
    ]);
  });

  it('a single POP is the first', () => {
    expect(spreadPops(1)).toEqual([{ name: 'SJC' }]);
  });
});
