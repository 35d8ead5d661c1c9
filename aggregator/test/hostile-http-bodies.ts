/**
 * fast-check arbitraries for hostile HTTP input: near-valid round reports (a
 * valid one with one mutation), random JSON, random bytes, and random
 * headers. Shared by the aggregator's hostile-* tests.
 */
import fc from 'fast-check';
import type { RoundReport } from '@propwatch/shared';
import { report } from './helpers.js';

type Json = unknown;

/** Paths to every value inside a JSON tree, e.g. ['round', 'pops', 0, 'lowerMs']. */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return [prefix, ...entries.flatMap(([key, child]) => pathsOf(child, [...prefix, key]))];
}

function setAt(root: Json, path: (string | number)[], update: (old: Json) => Json): Json {
  if (path.length === 0) return update(root);
  const copy = structuredClone(root) as Record<string | number, Json>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  const next = update(node[last]);
  if (next === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = next;
  return copy;
}

const nasty = fc.oneof(
  fc.constantFrom(
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    '\u0000',
    '\u202e',
    '😀'.repeat(50),
    'a'.repeat(70_000),
    "'; DROP TABLE rounds; --",
    '../../etc/passwd',
    '__proto__',
    'constructor',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);
const weirdValue: fc.Arbitrary<Json> = fc.oneof(
  nasty,
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 1.5, Number.MIN_VALUE, '', [], {}),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Nested `depth` levels deep: [[[...]]] or {"a":{"a":...}}. */
const deepNesting = fc
  .tuple(fc.integer({ min: 50, max: 5000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );

/** `apply` gives the body to send: a value to serialize, or (a string) the raw text itself. */
export type Mutation = { kind: string; apply: (valid: RoundReport) => Json };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((n) => ({
    kind: 'remove',
    apply: (v: RoundReport) => {
      const paths = pathsOf(v).filter((p) => p.length > 0);
      return setAt(v, paths[n % paths.length]!, () => undefined);
    },
  })),
  fc.tuple(fc.nat(), weirdValue).map(([n, value]) => ({
    kind: 'retype',
    apply: (v: RoundReport) => {
      const paths = pathsOf(v);
      return setAt(v, paths[n % paths.length]!, () => value);
    },
  })),
  fc.tuple(fc.nat(), fc.string({ maxLength: 12 }), weirdValue).map(([n, key, value]) => ({
    kind: 'extra',
    apply: (v: RoundReport) => {
      const objects = pathsOf(v).filter((p) => {
        let node: Json = v;
        for (const k of p) node = (node as Record<string | number, Json>)[k];
        return node !== null && typeof node === 'object' && !Array.isArray(node);
      });
      return setAt(v, objects[n % objects.length]!, (old) => ({ ...(old as object), [key || 'x']: value }));
    },
  })),
  fc.constantFrom(0, 1, 1000, 20_000).map((count) => ({
    kind: `pops×${count}`,
    apply: (v: RoundReport) => ({
      ...v,
      round: { ...v.round, pops: Array.from({ length: count }, (_, i) => ({ ...v.round.pops[0]!, pop: `P${i}` })) },
    }),
  })),
  deepNesting.map((text) => ({ kind: 'deep', apply: () => text })),
  fc.tuple(fc.nat(), deepNesting).map(([n, text]) => ({
    kind: 'deep-inside',
    apply: (v: RoundReport) =>
      JSON.stringify(setAt(v, pathsOf(v)[n % pathsOf(v).length]!, () => '__DEEP__')).replace('"__DEEP__"', text),
  })),
  fc.constant({ kind: 'valid', apply: (v: RoundReport) => v }),
);

/** A valid report of `probe` with a random (unique) round id and plausible figures. */
export const validReport = (probe: string) =>
  fc
    .record({
      id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/),
      elapsedMs: fc.integer({ min: 0, max: 86_400_000 }),
      state: fc.constantFrom('running', 'complete', 'write_failed'),
    })
    .map((r) =>
      // A write_failed round measured nothing: with POP results it would be refused as inconsistent.
      report(probe, {
        id: r.id,
        elapsedMs: r.elapsedMs,
        state: r.state,
        ...(r.state === 'write_failed' ? { pops: [] } : {}),
      }),
    );

export const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    '',
    'application/json; charset=utf-16',
    'APPLICATION/JSON',
    'application/problem+json',
  ),
  fc.string({ maxLength: 40 }),
);

export const randomBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 500 }),
);

/** Header values that are legal on the wire (light-my-request refuses CR/LF and non-Latin-1). */
export const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
