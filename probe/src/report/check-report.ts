/**
 * Checks a report against the wire schema the aggregator validates with, and
 * the cross-field rules it applies after it (shared findInconsistencies:
 * bounds in order, no duplicate POP entries, representable times). A report
 * that fails is a probe bug (an unchecked name, an untruncated text, a bound
 * computed wrong); sent anyway, the aggregator would answer 400 and the report
 * would only end up in `rejected/`, so the caller logs what failed and does
 * not spool it. The sentences are the shared schema wording, the aggregator's own.
 */
import {
  RoundReport,
  describeSchemaProblem,
  findInconsistencies,
  findSchemaProblems,
  valueAt,
} from '@propwatch/shared';
import { Compile } from 'typebox/compile';

/** One schema violation: JSON pointer, the offending value (as short JSON) and what was expected. */
export interface ReportProblem {
  path: string;
  value: string;
  /** "report.round.pops[0].pop: expected a string matching … (got …)" */
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
  return findSchemaProblems(RoundReport, validator.Errors(report), MAX_PROBLEMS).map((problem) => ({
    path: problem.pointer || '/',
    value: describeValue(valueAt(report, problem.pointer)),
    message: describeSchemaProblem(problem, report, 'report'),
  }));
}

function describeValue(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only what JSON cannot say (a function, a symbol) gets here
  const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? String(value));
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT)}… (${text.length} characters)` : text;
}
