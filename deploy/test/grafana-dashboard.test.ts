/** The Grafana dashboard is importable: valid JSON, stable uid, every query on the ${datasource} variable, the panels the operators look for. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './helpers/compose-file.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: { expr: string; refId: string; datasource: { uid: string } }[];
}
const file = join(ROOT, 'deploy/grafana/propwatch-dashboard.json');
const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
};
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row');

describe('deploy/grafana/propwatch-dashboard.json', () => {
  it('has a stable uid, a recent schema and a Prometheus datasource variable', () => {
    expect(dashboard.uid).toBe('propwatch-overview');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
  });

  it('every panel and query uses ${datasource}; panel ids are unique; panels fit the 24-column grid', () => {
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of queryPanels) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets!) expect(target.datasource.uid, panel.title).toBe('${datasource}');
      expect(new Set(panel.targets!.map((t) => t.refId)).size, panel.title).toBe(panel.targets!.length);
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
    }
  });

  it('shows worst case with its threshold, alarm state, per-POP p50/p99, timeouts, failures, report age and write failures', () => {
    const exprs = queryPanels.flatMap((p) => p.targets!.map((t) => t.expr)).join('\n');
    expect(exprs).toContain('propwatch_propagation_worst_seconds');
    expect(exprs).toContain('propwatch_propagation_worst_any_probe_seconds');
    expect(exprs).not.toContain('$threshold');
    expect(exprs).toContain('propwatch_alarm_state');
    expect(exprs).toMatch(/histogram_quantile\(0\.5, sum by \(pop, le\) \(rate\(propwatch_propagation_seconds_bucket/);
    expect(exprs).toMatch(/histogram_quantile\(0\.99, sum by \(pop, le\) \(rate\(propwatch_propagation_seconds_bucket/);
    for (const name of [
      'propwatch_pop_timeouts_total',
      'propwatch_query_failures_total',
      'propwatch_probe_last_report_timestamp_seconds',
      'propwatch_write_failures_total',
    ])
      expect(exprs).toContain(name);
  });

  it("draws the threshold line from the aggregator's own propwatch_alarm_threshold_seconds, not a copy", () => {
    const worstOverTime = queryPanels.find((p) => p.title === 'Worst-case propagation over time')!;
    const line = worstOverTime.targets!.find(
      (t) => (t as { legendFormat?: string }).legendFormat === 'alarm threshold',
    )!;
    expect(line.expr).toBe('max(propwatch_alarm_threshold_seconds)');
    // No textbox for operators to keep in step with status.alarmAboveMs by hand.
    expect(dashboard.templating.list.map((v) => v.name)).not.toContain('threshold');
  });

  it('is what the Grafana provisioning of the compose stack loads', () => {
    const provider = parse(
      readFileSync(join(ROOT, 'deploy/grafana/provisioning/dashboards/propwatch.yml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).toContain(
      `./deploy/grafana/propwatch-dashboard.json:${provider.providers[0]!.options.path}/propwatch-dashboard.json:ro`,
    );
  });
});
