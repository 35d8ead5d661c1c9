/**
 * Prometheus text for /metrics, written by hand: a handful of counters per
 * POP does not justify a registry dependency in the sim.
 */
import type { PopStatus } from './api-deps.js';

export function renderMetrics(pops: readonly PopStatus[], latestVersion: number): string {
  const lines: string[] = [];
  const family = (name: string, help: string, type: 'counter' | 'gauge', value: (pop: PopStatus) => number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const pop of pops) lines.push(`${name}{pop="${pop.name}",region="${pop.region}"} ${value(pop)}`);
  };
  family(
    'propwatch_sim_queries_total',
    'DNS queries received by the POP (UDP and TCP).',
    'counter',
    (p) => p.counters.udpQueries + p.counters.tcpQueries,
  );
  family('propwatch_sim_answers_total', 'DNS answers sent by the POP.', 'counter', (p) => p.counters.answered);
  family(
    'propwatch_sim_dropped_total',
    'Queries dropped by the flaky fault or ignored while down.',
    'counter',
    (p) => p.counters.dropped + p.counters.ignored,
  );
  family(
    'propwatch_sim_request_errors_total',
    'Malformed queries and failed answers.',
    'counter',
    (p) => p.counters.requestErrors,
  );
  family('propwatch_sim_applied_version', 'Zone version the POP answers from.', 'gauge', (p) => p.appliedVersion);
  lines.push(
    '# HELP propwatch_sim_zone_version Latest committed zone version.',
    '# TYPE propwatch_sim_zone_version gauge',
    `propwatch_sim_zone_version ${latestVersion}`,
  );
  return `${lines.join('\n')}\n`;
}
