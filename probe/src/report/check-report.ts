/**
 * Checks a report against the wire schema the aggregator validates with, and
 * the cross-field rules it applies after it (shared findInconsistencies:
 * bounds in order, no duplicate POP entries, representable times). A report
 * that fails is a probe bug (an unchecked name, an untruncated text, a bound
 * computed wrong); sent anyway, the aggregator would answer 400 and the report
 * would only end up in `rejected/`, so the caller logs what failed and does
 * not spool it.
 */
import { RoundReport, findInconsistencies } from '@propwatch/shared';
import { Compile } from 'typebox/compile';

/** One schema violation: JSON pointer, the offending value (as short JSON) and the rule. */
export interface ReportProblem {
  path: string;
  value: string;
  message: string;
}

const MAX_VALUE_TEXT = 200;
const MAX_PROBLEMS = 5;

// Compiled once: compiling costs milliseconds, checking a report microseconds.
const validator = Compile(RoundReport);

/** The schema or consistency violations of `report` (the first few), or an empty list when the aggregator will accept it. */
export function findReportProblems(report: unknown): ReportProblem[] {
  if (validator.Check(report)) {
    return findInconsistencies(report).map(({ pointer, message }) => ({
      path: pointer,
      value: describeValue(valueAt(report, pointer)),
      message,
    }));
  }
  const problems: ReportProblem[] = [];
  for (const error of validator.Errors(report)) {
    problems.push({
      path: error.instancePath || '/',
      value: describeValue(valueAt(report, error.instancePath)),
      message: error.message,
    });
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}

function valueAt(root: unknown, pointer: string): unknown {
  let value = root;
  for (const segment of pointer.split('/').slice(1)) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

function describeValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT)}… (${text.length} characters)` : text;
}
