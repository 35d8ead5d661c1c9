/** The soak's figures: a Markdown table of every process's samples, and the flatness bounds. */
import type { ProcessSample } from './sample-process.js';

const MiB = 1024 * 1024;

/**
 * Bounds after warm-up. heapUsed is measured after a full GC, so it counts
 * live objects: +20% (or +1 MiB on a small heap) over minutes is a leak.
 * RSS also holds freed-but-kept malloc arenas and code, so it gets +30% (or
 * +8 MiB). File descriptors other than established TCP connections (which
 * come and go with keep-alive traffic): a few either way; a leak adds one per
 * round or per report. Established connections stay under 100 (a leak of one per report or round would pass that within a minute), and no socket
 * may linger in CLOSE_WAIT.
 */
export const BOUNDS = { heapGrowth: 0.2, heapSlack: 1 * MiB, rssGrowth: 0.3, rssSlack: 8 * MiB, fdSlack: 5, maxConnections: 100, maxCloseWait: 2 };

export function soakVerdicts(names: readonly string[], start: readonly ProcessSample[], end: readonly ProcessSample[]): string[] {
  const verdicts: string[] = [];
  names.forEach((name, i) => {
    const a = start[i]!;
    const b = end[i]!;
    if (b.heapUsed - a.heapUsed > Math.max(a.heapUsed * BOUNDS.heapGrowth, BOUNDS.heapSlack)) verdicts.push(`${name}: heapUsed ${mib(a.heapUsed)} → ${mib(b.heapUsed)} MiB`);
    if (b.rss - a.rss > Math.max(a.rss * BOUNDS.rssGrowth, BOUNDS.rssSlack)) verdicts.push(`${name}: RSS ${mib(a.rss)} → ${mib(b.rss)} MiB`);
    const other = (s: ProcessSample) => s.fds - s.connections;
    if (Math.abs(other(b) - other(a)) > BOUNDS.fdSlack) verdicts.push(`${name}: fds other than connections ${other(a)} → ${other(b)}`);
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
  const series = (label: string, pick: (sample: readonly ProcessSample[]) => number) => `| ${label} | ${samples.map((sample) => mib(pick(sample), 2)).join(' | ')} |`;
  const probeIndexes = names.flatMap((name, i) => (name !== 'sim' && name !== 'aggregator' ? [i] : []));
  const trend = [
    `| heapUsed MiB at sample | ${samples.map((_, i) => `#${i}`).join(' | ')} |`,
    `| --- | ${samples.map(() => '---:').join(' | ')} |`,
    ...names.flatMap((name, i) => (name === 'sim' || name === 'aggregator' ? [series(name, (sample) => sample[i]!.heapUsed)] : [])),
    ...(probeIndexes.length ? [series(`probes (mean of ${probeIndexes.length})`, (sample) => probeIndexes.reduce((sum, i) => sum + sample[i]!.heapUsed, 0) / probeIndexes.length)] : []),
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
