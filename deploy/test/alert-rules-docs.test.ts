/**
 * The alert rules, their promtool tests and their documentation stay in step: every rule is unit-tested firing
 * and quiet (deploy/prometheus/alerts.test.yml), carries a runbook_url pointing at its own section of
 * deploy/README.md (an anchor that exists), and the README's alert table lists exactly the rules with their
 * `for` and severity.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/compose-file.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
}

const RULES = (
  parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
).groups.flatMap((group) => group.rules);
const TESTS = (
  parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.test.yml'), 'utf8')) as { tests: RuleTest[] }
).tests.flatMap((test) => test.alert_rule_test ?? []);
const README = readFileSync(join(ROOT, 'deploy/README.md'), 'utf8');

/** Where runbook links point: deploy/README.md in the propwatch repository (rewrite the prefix for a fork). */
const RUNBOOK_BASE = 'https://github.com/propwatch/propwatch/blob/main/deploy/README.md';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
const ANCHORS = new Set([...README.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));

describe('deploy/prometheus/alerts.yml', () => {
  it('has rules, each named once', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(12);
    expect(new Set(RULES.map((r) => r.alert)).size).toBe(RULES.length);
  });

  it.each(RULES.map((r) => [r.alert, r] as const))('%s is unit-tested firing and quiet', (alert) => {
    const cases = TESTS.filter((t) => t.alertname === alert);
    expect(
      cases.some((t) => t.exp_alerts.length > 0),
      `${alert}: no alerts.test.yml case where it fires`,
    ).toBe(true);
    expect(
      cases.some((t) => t.exp_alerts.length === 0),
      `${alert}: no alerts.test.yml case where it stays quiet`,
    ).toBe(true);
  });

  it.each(RULES.map((r) => [r.alert, r] as const))(
    '%s has a severity, a summary, a description and a runbook_url to its README section',
    (alert, rule) => {
      expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, alert).toBeTruthy();
      expect(rule.annotations?.description, alert).toBeTruthy();
      expect(rule.annotations?.runbook_url).toBe(`${RUNBOOK_BASE}#${slug(alert)}`);
      expect(ANCHORS.has(slug(alert)), `deploy/README.md has no heading "${alert}"`).toBe(true);
    },
  );
});

describe('deploy/README.md', () => {
  /** The alert table: `| \`Name\` | expression | for | severity |`. */
  const table = [...README.matchAll(/^\| `(Propwatch\w+)` \|[^\n]*\|([^|\n]*)\| (critical|warning|info) \|$/gm)].map(
    (m) => ({ alert: m[1]!, for: m[2]!.trim(), severity: m[3]! }),
  );

  it('lists exactly the rules in alerts.yml, with their `for` and severity', () => {
    expect(table.map((row) => row.alert).sort()).toEqual(RULES.map((r) => r.alert).sort());
    for (const rule of RULES) {
      const row = table.find((r) => r.alert === rule.alert)!;
      expect(row.for, rule.alert).toBe(rule.for ?? '');
      expect(row.severity, rule.alert).toBe(rule.labels?.severity);
    }
  });
});
