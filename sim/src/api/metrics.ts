/**
 * Prometheus text for /metrics, written by hand: a handful of counters per
 * POP does not justify a registry dependency in the sim.
 */
import type { VantageStatus } from '../vantage-table.js';
import type { PopStatus } from './api-deps.js';

export function renderMetrics(
  pops: readonly PopStatus[],
  latestVersion: number,
  vantages: readonly VantageStatus[] = [],
  reroutes = 0,
): string {
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
  const perVantage = (name: string, help: string, type: 'counter' | 'gauge', value: (v: VantageStatus) => number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const vantage of vantages) lines.push(`${name}{vantage="${vantage.name}"} ${value(vantage)}`);
  };
  perVantage(
    'propwatch_sim_vantage_queries_total',
    'DNS queries received from the vantage (any address).',
    'counter',
    (v) => v.counters.queries,
  );
  perVantage(
    'propwatch_sim_vantage_answers_total',
    'Answers sent to the vantage.',
    'counter',
    (v) => v.counters.answered,
  );
  perVantage(
    'propwatch_sim_vantage_lost_total',
    'UDP queries from the vantage lost on the way (udpLossRate).',
    'counter',
    (v) => v.counters.lost,
  );
  perVantage(
    'propwatch_sim_vantage_overflow_total',
    'Queries dropped because the vantage had its maximum of exchanges in flight.',
    'counter',
    (v) => v.counters.overflow,
  );
  perVantage(
    'propwatch_sim_vantage_pending',
    'Exchanges of the vantage in flight (on the way to a POP or back).',
    'gauge',
    (v) => v.counters.pending,
  );
  lines.push(
    '# HELP propwatch_sim_vantage_rtt_seconds Round-trip time of the vantage, without jitter.',
    '# TYPE propwatch_sim_vantage_rtt_seconds gauge',
    ...vantages.map((v) => `propwatch_sim_vantage_rtt_seconds{vantage="${v.name}"} ${v.rttMs / 1000}`),
    '# HELP propwatch_sim_catchment The POP each vantage reaches through each anycast address (1 per current pair).',
    '# TYPE propwatch_sim_catchment gauge',
    ...vantages.flatMap((v) =>
      Object.entries(v.catchment).map(
        ([address, pop]) => `propwatch_sim_catchment{vantage="${v.name}",address="${address}",pop="${pop}"} 1`,
      ),
    ),
    '# HELP propwatch_sim_reroutes_total Catchment changes (the reroute fault).',
    '# TYPE propwatch_sim_reroutes_total counter',
    `propwatch_sim_reroutes_total ${reroutes}`,
  );
  return `${lines.join('\n')}\n`;
}
