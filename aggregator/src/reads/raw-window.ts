/**
 * Raw rounds of a short window, read newest first in time slices sized to
 * about RAW_RESULTS_PER_SLICE POP results (the slice length adapts to how
 * dense the last one was), yielding between slices, and stopping once
 * `maxResults` POP results are loaded. `complete` says whether the whole
 * window was read; when it was not, the rounds held are the newest ones.
 */
import type { RoundStore, StoredRound } from '../storage/round-store.js';

const FIRST_SLICE_MS = 5_000;
const MAX_SLICE_MS = 3_600_000;

export interface RawWindow {
  /** Oldest first. */
  rounds: StoredRound[];
  complete: boolean;
}

export async function readRawWindow(
  store: RoundStore,
  window: { from: number; to: number },
  options: { maxResults: number; perSlice: number; turn: () => Promise<void> },
): Promise<RawWindow> {
  const slices: StoredRound[][] = [];
  let results = 0;
  let spanMs = FIRST_SLICE_MS;
  // `to` is inclusive (a report received at this very ms counts), hence the +1.
  for (let end = window.to + 1; end > window.from;) {
    const start = Math.max(window.from, end - spanMs);
    await options.turn();
    const rounds = await store.roundsReceivedIn(start, end);
    const inSlice = rounds.reduce((sum, round) => sum + round.pops.length, 0);
    if (results + inSlice > options.maxResults) {
      // Keep the newest rounds of this slice that still fit.
      const kept: StoredRound[] = [];
      for (let i = rounds.length - 1; i >= 0 && results + rounds[i]!.pops.length <= options.maxResults; i--) {
        results += rounds[i]!.pops.length;
        kept.unshift(rounds[i]!);
      }
      slices.push(kept);
      return { rounds: slices.reverse().flat(), complete: false };
    }
    slices.push(rounds);
    results += inSlice;
    spanMs = Math.min(
      MAX_SLICE_MS,
      inSlice === 0 ? spanMs * 4 : Math.max(1_000, (spanMs * options.perSlice) / inSlice),
    );
    end = start;
  }
  return { rounds: slices.reverse().flat(), complete: true };
}
