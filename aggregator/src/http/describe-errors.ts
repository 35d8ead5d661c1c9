/**
 * Turns TypeBox validation errors into one sentence a person can act on:
 * the field path, what was expected and what was sent, e.g.
 * `body.round.pops[0].lowerMs: expected a number from 0 to 86400000 (got 1e+12)`.
 */
import { type JsonSchema, describeExpected, schemaAt, valueAt } from '@propwatch/shared';

export interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

const MAX_PROBLEMS = 3;

export function describeErrors(
  schema: JsonSchema,
  value: unknown,
  errors: readonly SchemaError[],
  dataVar: string,
): string {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // TypeBox reports an unknown field twice (as `false` sub-schema and as additionalProperties).
    if (error.keyword === 'boolean') continue;
    // A failing union is also reported per branch (const, ...); describe it once by its union schema.
    const key =
      error.keyword === 'additionalProperties' || error.keyword === 'required'
        ? `${error.keyword}${error.instancePath}`
        : error.instancePath;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(describeOne(schema, value, error, dataVar));
    if (problems.length === MAX_PROBLEMS) break;
  }
  return problems.length ? problems.join('; ') : `${dataVar} is invalid`;
}

function describeOne(schema: JsonSchema, value: unknown, error: SchemaError, dataVar: string): string {
  const where = formatPath(dataVar, error.instancePath);
  if (error.keyword === 'required') {
    const missing = (error.params.requiredProperties as string[] | undefined) ?? [];
    return `${where}: missing required field${missing.length === 1 ? '' : 's'} ${missing.map((m) => `"${m}"`).join(', ')}`;
  }
  const target = schemaAt(schema, error.instancePath);
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params.additionalProperties as string[] | undefined) ?? [];
    const allowed = Object.keys(target?.properties ?? {}).join(', ');
    return `${where}: unknown field${extra.length === 1 ? '' : 's'} ${extra.map((e) => `"${e}"`).join(', ')} (allowed: ${allowed})`;
  }
  return `${where}: expected ${describeExpected(target)} (got ${preview(valueAt(value, error.instancePath))})`;
}

export function formatPath(dataVar: string, pointer: string): string {
  let out = dataVar;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^[0-9]+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  return out;
}

function preview(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'object' && value !== null)
    return Array.isArray(value) ? `a list of ${value.length}` : 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
