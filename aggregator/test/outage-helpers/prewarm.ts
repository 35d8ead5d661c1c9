/**
 * Brings an aggregator process to its steady-state memory before a soak
 * measures it, by posting many realistic reports (a running progress report,
 * then the complete one, 14 POPs each) from warm-up probe identities.
 *
 * Why: measured with 20 probes' worth of reports through app.inject, the
 * aggregator's RSS rises by ~32 MiB over the first ~40,000 reports and is then
 * flat to 200,000 (heapUsed after GC flat at ~25 MiB throughout). About half
 * of it is SQLite's page cache filling up to better-sqlite3's 16 MB default;
 * the rest is V8 code and compiler memory. A 3-minute soak at ~80 reports/s
 * sees only ~18,000 reports, so without this its RSS would be measured while
 * still climbing towards that plateau — and a bounded cache would read as a
 * leak.
 */
import pLimit from 'p-limit';

export interface PrewarmOptions {
  url: string;
  /** Warm-up probe identities, configured on the aggregator. */
  probes: readonly { id: string; token: string }[];
  reports: number;
  concurrency?: number;
}

const POPS = Array.from({ length: 14 }, (_, i) => ({
  pop: `WARM${i}`,
  target: `127.0.0.1:${5300 + i}`,
  nsid: `warm-${i}`,
}));

export async function prewarmAggregator(options: PrewarmOptions): Promise<{ posted: number; failed: number }> {
  const limit = pLimit(options.concurrency ?? 16);
  const startedAt = Date.now();
  let failed = 0;
  const posts: Promise<void>[] = [];
  for (let n = 0; n < options.reports; n += 1) {
    const probe = options.probes[n % options.probes.length]!;
    const round = Math.floor(n / (2 * options.probes.length));
    const complete = Math.floor(n / options.probes.length) % 2 === 1;
    const body = {
      wireVersion: 1,
      probe: { id: probe.id, region: 'warm-up', version: '0.0.0' },
      round: {
        id: `${probe.id}-w${round}`,
        zone: 'example.com',
        record: '_propwatch.example.com',
        serial: String(1_000_000 + round),
        startedAt: new Date(startedAt + round).toISOString(),
        state: complete ? 'complete' : 'running',
        elapsedMs: complete ? 400 : 150,
        write: { submitToAckMs: 10 },
        pops: POPS.map((pop, i) =>
          complete
            ? {
                ...pop,
                state: 'propagated',
                lowerMs: 100 + i,
                upperMs: 150 + i,
                estimateMs: 125 + i,
                queries: 3,
                failures: 0,
                rttMs: 0.2,
              }
            : { ...pop, state: 'pending', lowerMs: 100 + i, queries: 2, failures: 0 },
        ),
      },
    };
    posts.push(
      limit(async () => {
        // The per-probe rate limit answers 429 with Retry-After; wait and send again, as a probe would.
        for (;;) {
          const response = await fetch(`${options.url}/api/v1/rounds`, {
            method: 'POST',
            headers: { authorization: `Bearer ${probe.token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          await response.arrayBuffer();
          if (response.status === 429) {
            await new Promise((resolve) =>
              setTimeout(resolve, Number(response.headers.get('retry-after') ?? 1) * 1000),
            );
            continue;
          }
          if (!response.ok) failed += 1;
          return;
        }
      }),
    );
  }
  await Promise.all(posts);
  return { posted: options.reports, failed };
}
