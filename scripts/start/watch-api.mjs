// What the demo prints while it runs, read from the aggregator's read API (a
// machine interface with a schema), never from the children's log text:
// each finished round once (GET /api/v1/rounds) and each status change
// (GET /api/v1/status), and under anycast the coverage and each catchment
// change (GET /api/v1/coverage).

/** States in which the beacon blinks: its console lines would flood the terminal, so they are not shown. */
export const BLINKING = new Set(['stale', 'degraded', 'unreachable']);
const FINISHED = new Set(['complete', 'write_failed']);
/** Round ids remembered as shown; far more than the rounds of one poll. */
const MAX_REMEMBERED = 2000;

/** One line for a finished round, as in the table of `propwatch-probe --once`. */
export function describeRound(round) {
  const worst = round.pops.reduce(
    (w, p) => (!w || (p.estimateMs ?? p.lowerMs) > (w.estimateMs ?? w.lowerMs) ? p : w),
    undefined,
  );
  const worstText = worst ? `${worst.pop} ${((worst.estimateMs ?? worst.lowerMs) / 1000).toFixed(2)} s` : '-';
  const timeouts = round.pops.filter((p) => p.state === 'timeout').length;
  const timeoutText = timeouts ? `, ${timeouts} timeout${timeouts > 1 ? 's' : ''}` : '';
  const failed = round.state === 'write_failed' ? ` WRITE FAILED: ${round.write.error}` : '';
  return `${round.probe.id.padEnd(7)} round ${round.state.padEnd(8)} worst ${worstText}${timeoutText}${failed}`;
}

/**
 * The rounds of `rounds` (newest first, as the API lists them) not shown yet
 * and finished, oldest first. The first call only remembers: a kept data
 * directory's old rounds are not news.
 */
export function createRoundFeed() {
  const shown = new Set();
  let primed = false;
  return (rounds) => {
    const fresh = [...rounds].reverse().filter((round) => FINISHED.has(round.state) && !shown.has(round.id));
    for (const round of fresh) shown.add(round.id);
    for (const id of shown) {
      if (shown.size <= MAX_REMEMBERED) break;
      shown.delete(id);
    }
    const news = primed ? fresh : [];
    primed = true;
    return news;
  };
}

/** `coverage 10 of 14 POPs (71%), blind to ORD FRA CDG SYD`, from GET /api/v1/coverage. */
export function describeCoverage(coverage) {
  const percent = Math.round((coverage.ratio ?? 0) * 100);
  const blind = coverage.missing.length ? `, blind to ${coverage.missing.join(' ')}` : ', no blind spot';
  return `coverage ${coverage.observed} of ${coverage.expected} POPs (${percent}%)${blind}`;
}

/**
 * The catchment changes of `changes` (newest first, as the API lists them)
 * not shown yet, oldest first, as lines; the first call only remembers.
 */
export function createChangeFeed() {
  const shown = new Set();
  let primed = false;
  return (changes) => {
    const key = (c) => `${c.probe}|${c.via}|${c.roundId}|${c.fromPop}|${c.toPop}`;
    const fresh = [...changes].reverse().filter((c) => !shown.has(key(c)));
    for (const change of fresh) shown.add(key(change));
    for (const id of shown) {
      if (shown.size <= MAX_REMEMBERED) break;
      shown.delete(id);
    }
    const news = primed ? fresh : [];
    primed = true;
    return news.map(
      (c) => `CATCHMENT ${c.probe} via ${c.via}: ${c.fromPop ?? '-'} → ${c.toPop ?? '-'} (round ${c.roundId})`,
    );
  };
}

/**
 * Polls every `intervalMs` until `signal` aborts; `say` gets the lines. The
 * status seen last is `current()`; `firstOk` resolves when it is first ok.
 */
export function watchAggregator(base, { say, intervalMs = 1000, signal, coverage = false }) {
  let status = { state: 'stale', reason: 'starting' };
  let reachedOk;
  const firstOk = new Promise((resolve) => (reachedOk = resolve));
  const feed = createRoundFeed();
  const changeFeed = createChangeFeed();
  let coverageShown = '';
  let everOk = false;
  const getJson = async (path) => {
    const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(intervalMs * 3) });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  };
  const poll = async () => {
    try {
      const next = await getJson('/api/v1/status');
      if (next.state !== status.state) {
        const blinking = BLINKING.has(next.state) ? ' (beacon blinking)' : '';
        say(`STATUS  ${status.state} → ${next.state.toUpperCase()}: ${next.reason}${blinking}`);
      }
      status = next;
      if (next.state === 'ok') reachedOk();
      if (next.state === 'ok') everOk = true;
      const { rounds } = await getJson('/api/v1/rounds?limit=100');
      for (const round of feed(rounds)) say(`${describeRound(round)} │ status ${status.state}`);
      if (coverage) {
        const view = await getJson('/api/v1/coverage?limit=100');
        const line = describeCoverage(view);
        // Told from the first OK on, then on each change: while the probes start, a partial view
        // would read as blind spots.
        if (everOk && line !== coverageShown) say(`COVERAGE ${line}`);
        if (everOk) coverageShown = line;
        for (const change of changeFeed(view.changes)) say(change);
      }
    } catch {
      // The aggregator restarting or stopping: the beacon shows unreachable, and a child's exit is reported.
    }
  };
  // The next poll is scheduled when one ends, so a slow answer never piles polls up.
  const next = () => {
    if (!signal?.aborted) setTimeout(() => void poll().then(next), intervalMs).unref();
  };
  next();
  return { current: () => status, firstOk };
}
