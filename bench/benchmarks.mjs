/** The benchmark catalogue: key, title, full and tiny settings, runner and table, in run order. */
import * as aggregator from './aggregator-load.mjs';
import * as alarm from './alarm-latency.mjs';
import * as anycast from './anycast-precision.mjs';
import * as footprint from './footprint.mjs';
import * as precision from './precision.mjs';
import * as querier from './querier-throughput.mjs';
import * as reads from './status-under-reads.mjs';

export const BENCHMARKS = [
  {
    key: 'precision',
    title: '1. Precision against ground truth',
    full: precision.FULL,
    tiny: precision.TINY,
    run: precision.benchPrecision,
    table: precision.precisionTable,
  },
  {
    key: 'alarm',
    title: '2. Alarm latency end to end',
    full: alarm.FULL,
    tiny: alarm.TINY,
    run: alarm.benchAlarmLatency,
    table: alarm.alarmTable,
  },
  {
    key: 'querier',
    title: '3. Querier throughput against Knot DNS',
    full: querier.FULL,
    tiny: querier.TINY,
    run: querier.benchQuerierThroughput,
    table: querier.querierTable,
  },
  {
    key: 'aggregator',
    title: '4. Aggregator ingest and status',
    full: aggregator.FULL,
    tiny: aggregator.TINY,
    run: aggregator.benchAggregator,
    table: aggregator.aggregatorTable,
  },
  {
    key: 'footprint',
    title: '5. Footprint and scale',
    full: footprint.FULL,
    tiny: footprint.TINY,
    run: footprint.benchFootprint,
    table: footprint.footprintTable,
  },
  {
    key: 'reads',
    title: '6. /api/v1/status under heavy reads',
    full: reads.FULL,
    tiny: reads.TINY,
    run: reads.benchStatusUnderReads,
    table: reads.statusUnderReadsTable,
  },
  {
    key: 'anycast',
    title: '7. Anycast: precision per vantage round trip, loss and reroutes',
    full: anycast.FULL,
    tiny: anycast.TINY,
    run: anycast.benchAnycast,
    table: anycast.anycastTable,
  },
];
