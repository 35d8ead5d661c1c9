import { describe, expect, it } from 'vitest';
import { resolveTarget } from './target-address.js';

describe('resolveTarget', () => {
  it('returns one shared, frozen target per address and port (the hot path allocates nothing)', () => {
    const first = resolveTarget({ address: '127.0.0.1', port: 5300 });
    expect(first).toEqual({ address: '127.0.0.1', port: 5300, family: 4, label: '127.0.0.1#5300' });
    expect(resolveTarget({ address: '127.0.0.1', port: 5300 })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(resolveTarget({ address: '127.0.0.1', port: 5301 })).toMatchObject({ port: 5301, label: '127.0.0.1#5301' });
  });

  it('canonicalises IPv6 text so it equals what Node reports as a source', () => {
    expect(resolveTarget({ address: '0:0:0:0:0:0:0:1', port: 53 })).toMatchObject({
      address: '::1',
      family: 6,
      label: '::1#53',
    });
  });

  it('explains unusable ports and addresses', () => {
    expect(resolveTarget({ address: '127.0.0.1', port: 0 })).toMatch(/not 1-65535/);
    expect(resolveTarget({ address: 'ns1.example', port: 53 })).toMatch(/not an IPv4 or IPv6 address/);
  });
});
