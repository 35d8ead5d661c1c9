#!/usr/bin/env node
/**
 * Fills an aggregator database through the store itself (SqliteRoundStore,
 * synchronous=NORMAL while seeding) with `--rounds` complete 14-POP rounds
 * from `--probes` probes, received over the last `--days` days, oldest first
 * (probes in turn, evenly spaced: 3 probes and a round every 10 s is each
 * probe every 30 s). Reports go in groups of 256, which the store commits
 * together as it does a burst of reports; rollups are kept as at ingest.
 * Prints {"ready":true} at start and {"rounds","popResults","seconds"} at the end.
 */
import { parseArgs } from 'node:util';
import { SqliteRoundStore } from '@propwatch/aggregator';
import { makeReport, probeIds } from './report-factory.mjs';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    rounds: { type: 'string' },
    probes: { type: 'string' },
    days: { type: 'string', default: '7' },
  },
});
const rounds = Number(values.rounds);
const ids = probeIds(Number(values.probes));
const spanMs = Number(values.days) * 86_400_000;
console.log(JSON.stringify({ ready: true }));
const store = new SqliteRoundStore({ path: values.db, synchronous: 'normal' });
const started = performance.now();
const now = Date.now();
let popResults = 0;
const GROUP = 256;
for (let first = 0; first < rounds; first += GROUP) {
  const group = [];
  for (let i = first; i < Math.min(rounds, first + GROUP); i++) {
    const at = now - spanMs + Math.floor((i * spanMs) / rounds);
    const report = makeReport(ids[i % ids.length], i, { startedAtMs: at });
    group.push(store.upsertRound(report, at + 6000));
    popResults += report.round.pops.length;
  }
  await Promise.all(group);
}
await store.close();
console.log(JSON.stringify({ rounds, popResults, seconds: (performance.now() - started) / 1000 }));
