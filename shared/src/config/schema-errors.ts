/**
 * The one place that turns TypeBox validation errors into words. Every
 * consumer (config loading, the aggregator's 400s, the probe's check before
 * spooling, the beacon client's check of a status body) reads the same
 * problems — a value is missing, a key is unknown, a value is not what the
 * schema wants — and words them the same way:
 *
 *   body.round.serial is missing: expected a string matching ^[0-9]{1,20}$
 *   body.round.pops[0]: unknown field "colour" (allowed: pop, target, …)
 *   body.round.pops[0].lowerMs: expected a number from 0 to 86400000 (got -1)
 *
 * Config errors add where a value came from and hide secrets (ConfigError),
 * from the same problems.
 */
import type { TSchema } from 'typebox';
import { describeExpected, jsonSchemaOf, type JsonSchema, schemaAt, valueAt } from './schema-walk.js';

/** The parts of a validation error read here; TypeBox's `TLocalizedValidationError` has them. */
export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: object;
}

/** What one validation error is about, as a JSON pointer into the value plus what the schema wanted there. */
export type SchemaProblem =
  | { kind: 'missing'; pointer: string; expected: string }
  | { kind: 'unknown'; pointer: string; allowed: readonly string[] }
  | { kind: 'invalid'; pointer: string; expected: string };

/** How many problems a sentence lists: enough to fix a report in one go, short enough for a log line. */
export const MAX_PROBLEMS = 3;

/**
 * The distinct problems behind `errors`, unknown keys first (a misspelt key
 * also leaves the real one missing; the misspelling is what to fix), at most
 * `max` of them.
 */
export function findSchemaProblems(
  schema: TSchema,
  errors: Iterable<SchemaError>,
  max: number = MAX_PROBLEMS,
): SchemaProblem[] {
  const json = jsonSchemaOf(schema);
  const unknown: SchemaProblem[] = [];
  const others: SchemaProblem[] = [];
  const seen = new Set<string>();
  const add = (list: SchemaProblem[], problem: SchemaProblem) => {
    const key = `${problem.kind}${problem.pointer}`;
    if (seen.has(key)) return;
    seen.add(key);
    list.push(problem);
  };
  for (const error of errors) {
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'additionalProperties' || error.keyword === 'boolean') {
      // TypeBox reports an unknown key twice: as `additionalProperties` on the parent and as the `false` schema on it.
      const keys = error.keyword === 'boolean' ? [undefined] : stringsOf(params.additionalProperties);
      for (const key of keys) {
        const pointer = key === undefined ? error.instancePath : `${error.instancePath}/${escapePointer(key)}`;
        add(unknown, {
          kind: 'unknown',
          pointer,
          allowed: Object.keys(schemaAt(json, parentOf(pointer))?.properties ?? {}),
        });
      }
    } else if (error.keyword === 'required') {
      for (const key of [...stringsOf(params.requiredProperties), ...stringsOf(params.missingProperty)]) {
        const pointer = `${error.instancePath}/${escapePointer(key)}`;
        add(others, { kind: 'missing', pointer, expected: describeExpected(schemaAt(json, pointer)) });
      }
    } else {
      // A failing union is also reported once per branch (const, type, ...): `add` keeps one problem per place.
      add(others, { kind: 'invalid', pointer: error.instancePath, expected: expectedAt(json, error.instancePath) });
    }
  }
  return [...unknown, ...others].slice(0, max);
}

/** One problem as a sentence about `value`, its place written from `dataVar` (`body.round.pops[0].lowerMs`). */
export function describeSchemaProblem(problem: SchemaProblem, value: unknown, dataVar: string): string {
  switch (problem.kind) {
    case 'missing':
      return `${formatPath(dataVar, problem.pointer)} is missing: expected ${problem.expected}`;
    case 'unknown':
      return `${formatPath(dataVar, parentOf(problem.pointer))}: unknown field ${JSON.stringify(lastSegment(problem.pointer))} (allowed: ${problem.allowed.join(', ')})`;
    case 'invalid':
      return `${formatPath(dataVar, problem.pointer)}: expected ${problem.expected} (got ${previewValue(valueAt(value, problem.pointer))})`;
  }
}

/** The first few problems of `value` against `schema`, as one line ("body.x: …; body.y: …"). */
export function describeSchemaErrors(
  schema: TSchema,
  value: unknown,
  errors: Iterable<SchemaError>,
  dataVar: string,
): string {
  const problems = findSchemaProblems(schema, errors);
  if (problems.length === 0) return `${dataVar} is invalid`;
  return problems.map((problem) => describeSchemaProblem(problem, value, dataVar)).join('; ');
}

/** A JSON pointer as a path from `dataVar`: `/round/pops/0/lowerMs` → `body.round.pops[0].lowerMs`. */
export function formatPath(dataVar: string, pointer: string): string {
  let out = dataVar;
  for (const segment of segmentsOf(pointer)) out += /^[0-9]+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  return out;
}

/** A value as a short phrase for a message: JSON up to 60 characters, or what kind of value it is. */
export function previewValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'object' && value !== null)
    return Array.isArray(value) ? `a list of ${value.length}` : 'an object';
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only what JSON cannot say (a function, a symbol) gets here
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function expectedAt(schema: JsonSchema, pointer: string): string {
  return describeExpected(schemaAt(schema, pointer));
}

function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function segmentsOf(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function parentOf(pointer: string): string {
  return pointer.split('/').slice(0, -1).join('/');
}

function lastSegment(pointer: string): string {
  return segmentsOf(pointer).at(-1) ?? '';
}
