/**
 * Realistic round reports for load tests: 14 POPs (the sim's default set),
 * complete, every POP propagated with an interval, NSID, counts and RTT —
 * the shape a probe sends at the end of a round, about 3 KB of JSON.
 */
const POPS = ['SJC', 'LAX', 'ORD', 'DFW', 'IAD', 'EWR', 'MIA', 'LHR', 'AMS', 'FRA', 'CDG', 'SIN', 'NRT', 'SYD'];

export function probeIds(count) {
  return Array.from({ length: count }, (_, i) => `bench-${String(i + 1).padStart(4, '0')}`);
}

/** A token per probe id, ≥ 16 characters as the aggregator requires. */
export const tokenFor = (probeId) => `token-${probeId}-0123456789abcdef`;

export function makeReport(probeId, sequence, { startedAtMs = Date.now(), state = 'complete' } = {}) {
  const serial = String(1_700_000_000_000 + sequence);
  return {
    wireVersion: 1,
    probe: { id: probeId, region: 'bench-region', version: '0.1.0' },
    round: {
      id: `${probeId}-${serial}`,
      zone: 'propwatch.test',
      record: `${probeId}._propwatch.propwatch.test`,
      serial,
      startedAt: new Date(startedAtMs).toISOString(),
      state,
      elapsedMs: 5400,
      write: { submitToAckMs: 180.5 },
      pops: POPS.map((pop, i) => {
        const lowerMs = 300 + ((sequence * 37 + i * 211) % 4000);
        return {
          pop,
          target: `192.0.2.${i + 1}:53`,
          nsid: `pop-${pop.toLowerCase()}.sim`,
          state: 'propagated',
          lowerMs,
          upperMs: lowerMs + 50.4,
          estimateMs: lowerMs + 25.2,
          queries: Math.round(lowerMs / 50) + 1,
          failures: 0,
          rttMs: 12.3,
        };
      }),
    },
  };
}
