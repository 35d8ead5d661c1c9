import { loadConfig } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import { SimConfigSchema } from './config-schema.js';
import { resolveSimOptions } from './sim-options.js';
import { resolvePops } from './topology.js';

// The sim is test tooling with demo tokens: it listens on loopback unless the
// operator says otherwise (docker-compose.yml does, for private networks).
describe('where the sim may listen', () => {
  it.each(['0.0.0.0', '10.117.1.53', '::', '192.0.2.1'])('refuses %s by default, naming the switch', (address) => {
    expect(() => resolveSimOptions({ apiHost: address })).toThrow(
      `apiHost ${JSON.stringify(address)}: the sim only listens on loopback (127.0.0.0/8 or ::1) unless allowNonLoopback is true`,
    );
    expect(() => resolvePops({ pops: 2, defaultAddress: address })).toThrow(
      /^pops\[0\]\.address .*PROPWATCH_ALLOW_NON_LOOPBACK=true/,
    );
    expect(() => resolvePops({ pops: [{ name: 'LHR', address }] })).toThrow(/allowNonLoopback/);
  });

  it('accepts any address with allowNonLoopback, and loopback either way', () => {
    expect(resolveSimOptions({ apiHost: '0.0.0.0', allowNonLoopback: true }).apiHost).toBe('0.0.0.0');
    expect(
      resolvePops({ pops: 2, defaultAddress: '0.0.0.0', allowNonLoopback: true }).map((pop) => pop.address),
    ).toEqual(['0.0.0.0', '0.0.0.0']);
    expect(resolveSimOptions({ apiHost: '127.0.0.2' }).apiHost).toBe('127.0.0.2');
    expect(resolvePops({ pops: 1, defaultAddress: '::1' })[0]!.address).toBe('::1');
  });

  it('is off unless the config or PROPWATCH_ALLOW_NON_LOOPBACK turns it on', () => {
    expect(loadConfig(SimConfigSchema, { env: {} }).config.allowNonLoopback).toBe(false);
    const { config } = loadConfig(SimConfigSchema, { env: { PROPWATCH_ALLOW_NON_LOOPBACK: 'true' } });
    expect(config.allowNonLoopback).toBe(true);
  });
});
