/** The soak's figures: a Markdown table of every process's samples, and the flatness bounds. */
import type { ProcessSample } from './sample-process.js';

const MiB = 1024 * 1024;

/**
 * Bounds after warm-up. heapUsed is measured after a full GC, so it counts
 * live objects: +20% (or +1 MiB on a small heap) over minutes is a leak.
 * RSS also holds malloc arenas and V8 pages that come and go with the load
 * (one busy aggregator sample to the next differs by up to ~15 MiB), so it is
 * judged by its floor: the lower of the first two samples against the lower
 * of the last two, +30% (or +8 MiB). A leak lifts every later sample; a
 * momentary peak lifts one. File descriptors other than established TCP
 * connections (which come and go with keep-alive traffic): a few either way;
 * a leak adds one per round or per report. Established connections stay under
 * 100 (a leak of one per report or round would pass that within a minute),
 * and no socket may linger in CLOSE_WAIT.
 */
export const BOUNDS = {
  heapGrowth: 0.2,
  heapSlack: 1 * MiB,
  rssGrowth: 0.3,
  rssSlack: 8 * MiB,
  fdSlack: 5,
  maxConnections: 100,
  maxCloseWait: 2,
};

/** Samples taken every ~30 s after warm-up, one array per sampling, in `names` order. Needs at least two samplings. */
export function soakVerdicts(names: readonly string[], samples: readonly (readonly ProcessSample[])[]): string[] {
  if (samples.length < 2) throw new Error(`soakVerdicts needs at least two samplings, got ${samples.length}`);
  const start = samples[0]!;
  const end = samples.at(-1)!;
  const verdicts: string[] = [];
  names.forEach((name, i) => {
    const a = start[i]!;
    const b = end[i]!;
    if (b.heapUsed - a.heapUsed > Math.max(a.heapUsed * BOUNDS.heapGrowth, BOUNDS.heapSlack))
      verdicts.push(`${name}: heapUsed ${mib(a.heapUsed)} → ${mib(b.heapUsed)} MiB`);
    const rssFloorStart = Math.min(...samples.slice(0, 2).map((sample) => sample[i]!.rss));
    const rssFloorEnd = Math.min(...samples.slice(-2).map((sample) => sample[i]!.rss));
    if (rssFloorEnd - rssFloorStart > Math.max(rssFloorStart * BOUNDS.rssGrowth, BOUNDS.rssSlack))
      verdicts.push(`${name}: RSS floor ${mib(rssFloorStart)} → ${mib(rssFloorEnd)} MiB`);
    const other = (s: ProcessSample) => s.fds - s.connections;
    if (Math.abs(other(b) - other(a)) > BOUNDS.fdSlack)
      verdicts.push(`${name}: fds other than connections ${other(a)} → ${other(b)}`);
    if (b.connections > BOUNDS.maxConnections) verdicts.push(`${name}: ${b.connections} TCP connections`);
    if (b.closeWait > BOUNDS.maxCloseWait) verdicts.push(`${name}: ${b.closeWait} sockets in CLOSE_WAIT`);
  });
  return verdicts;
}

export function formatSoakTable(names: readonly string[], samples: readonly (readonly ProcessSample[])[]): string {
  const start = samples[0]!;
  const end = samples.at(-1)!;
  const pct = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`;
  const rows = names.map((name, i) => {
    const a = start[i]!;
    const b = end[i]!;
    const heapMax = Math.max(...samples.map((s) => s[i]!.heapUsed));
    return `| ${name} | ${mib(a.rss)} | ${mib(b.rss)} | ${pct(a.rss, b.rss)} | ${mib(a.heapUsed)} | ${mib(b.heapUsed)} | ${pct(a.heapUsed, b.heapUsed)} | ${mib(heapMax)} | ${a.fds} (${a.connections}) | ${b.fds} (${b.connections}) | ${b.closeWait} |`;
  });
  // heapUsed at every sample: a leak climbs steadily, warm-up effects level off.
  const series = (label: string, pick: (sample: readonly ProcessSample[]) => number) =>
    `| ${label} | ${samples.map((sample) => mib(pick(sample), 2)).join(' | ')} |`;
  const probeIndexes = names.flatMap((name, i) => (name !== 'sim' && name !== 'aggregator' ? [i] : []));
  const servers = names.flatMap((name, i) => (name === 'sim' || name === 'aggregator' ? [{ name, i }] : []));
  const trend = [
    `| MiB at sample | ${samples.map((_, i) => `#${i}`).join(' | ')} |`,
    `| --- | ${samples.map(() => '---:').join(' | ')} |`,
    ...servers.flatMap(({ name, i }) => [
      series(`${name} heapUsed`, (sample) => sample[i]!.heapUsed),
      series(`${name} RSS`, (sample) => sample[i]!.rss),
      series(`${name} RSS anon`, (sample) => sample[i]!.rssAnon),
      series(`${name} RSS file`, (sample) => sample[i]!.rssFile),
      series(`${name} RSS shmem`, (sample) => sample[i]!.rssShmem),
      series(`${name} heapTotal`, (sample) => sample[i]!.heapTotal),
      series(`${name} new space`, (sample) => sample[i]!.newSpace),
      series(`${name} external`, (sample) => sample[i]!.external),
    ]),
    ...(probeIndexes.length
      ? [
          series(
            `probes (mean of ${probeIndexes.length})`,
            (sample) => probeIndexes.reduce((sum, i) => sum + sample[i]!.heapUsed, 0) / probeIndexes.length,
          ),
        ]
      : []),
  ];
  return [
    '| process | RSS start MiB | RSS end MiB | RSS Δ | heapUsed start MiB | heapUsed end MiB | heap Δ | heap max MiB | fds start (TCP conns) | fds end (TCP conns) | CLOSE_WAIT end |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    ...trend,
  ].join('\n');
}

function mib(bytes: number, digits = 1): string {
  return (bytes / MiB).toFixed(digits);
}
