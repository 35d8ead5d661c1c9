import { IDENTIFIER_PATTERN } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import { fitIdentifier, nameDiscoveredTargets } from './target-names.js';

const identifier = new RegExp(IDENTIFIER_PATTERN);
const at = (name: string, address: string) => ({ name, address, port: 53 });

describe('nameDiscoveredTargets', () => {
  it('numbers further addresses of one NS host with -2, -3 (valid identifiers, unlike #2)', () => {
    const named = nameDiscoveredTargets([
      at('lhr.ns.example.com', '192.0.2.1'),
      at('lhr.ns.example.com', '192.0.2.2'),
      at('lhr.ns.example.com', '2001:db8::1'),
      at('syd.ns.example.com', '192.0.2.3'),
    ]);
    expect(named.map((t) => t.name)).toEqual([
      'lhr.ns.example.com',
      'lhr.ns.example.com-2',
      'lhr.ns.example.com-3',
      'syd.ns.example.com',
    ]);
    expect(named.map((t) => t.address)).toEqual(['192.0.2.1', '192.0.2.2', '2001:db8::1', '192.0.2.3']);
    for (const { name } of named) expect(name).toMatch(identifier);
  });

  it('shortens host names past 63 characters to their first labels plus a hash, keeping them unique and stable', () => {
    const long = (pop: string) => `${pop}.anycast-nameservers.some-very-long-provider-name.example.com`;
    const input = [at(long('fra1'), '192.0.2.1'), at(long('fra1'), '192.0.2.2'), at(long('fra2'), '192.0.2.3')];
    const named = nameDiscoveredTargets(input);
    const names = named.map((t) => t.name);
    for (const name of names) expect(name).toMatch(identifier);
    expect(new Set(names).size).toBe(3);
    expect(names[0]).toMatch(/^fra1\.anycast-nameservers-[0-9a-f]{8}$/);
    expect(names[1]).toBe(`${names[0]}-2`);
    expect(names[2]!.startsWith('fra2.')).toBe(true);
    expect(nameDiscoveredTargets(input).map((t) => t.name)).toEqual(names);
  });

  it("keeps a host literally named like another host's numbered form apart", () => {
    const named = nameDiscoveredTargets([
      at('ns1.example.com', '192.0.2.1'),
      at('ns1.example.com', '192.0.2.2'),
      at('ns1.example.com-2', '192.0.2.9'),
    ]);
    expect(new Set(named.map((t) => t.name)).size).toBe(3);
    for (const { name } of named) expect(name).toMatch(identifier);
  });
});

describe('fitIdentifier', () => {
  it('leaves valid names alone and repairs characters the pattern refuses', () => {
    expect(fitIdentifier('ns1.example.com')).toBe('ns1.example.com');
    const repaired = fitIdentifier('_ns\\032x.example.com');
    expect(repaired).toMatch(identifier);
    expect(repaired).not.toBe(fitIdentifier('_ns\\033x.example.com'));
    expect(fitIdentifier('a'.repeat(200))).toMatch(identifier);
    expect(fitIdentifier('a'.repeat(63))).toMatch(identifier);
    expect(`${fitIdentifier('a'.repeat(63))}-999`).toMatch(identifier);
  });
});
