/**
 * Raw rounds of a short window, read newest first in pages of a few rounds
 * (as many as held about `perSlice` POP results in the page before), yielding
 * between pages, and stopping once `maxResults` POP results are loaded.
 * `complete` says whether the whole window was read; when it was not, the
 * rounds held are the newest ones.
 */
import type { RoundStore, StoredRound } from '../storage/round-store.js';

const FIRST_PAGE = 10;
const MAX_PAGE = 500;

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
  const newestFirst: StoredRound[] = [];
  let results = 0;
  let limit = FIRST_PAGE;
  // `to` is inclusive: a report received at this very ms counts.
  let before = { receivedAt: window.to + 1, ref: 0 };
  for (;;) {
    await options.turn();
    const heads = await store.roundRefsReceived({ from: window.from, before, limit });
    const pops = await store.popsOfRounds(heads.map((head) => head.ref));
    let loaded = 0;
    for (const head of heads) {
      const held = pops.get(head.ref) ?? [];
      if (results + held.length > options.maxResults) return { rounds: newestFirst.reverse(), complete: false };
      results += held.length;
      loaded += held.length;
      newestFirst.push({ ...head.round, pops: held });
    }
    const last = heads.at(-1);
    if (!last || heads.length < limit) return { rounds: newestFirst.reverse(), complete: true };
    before = { receivedAt: last.round.receivedAt, ref: last.ref };
    limit = Math.min(MAX_PAGE, Math.max(1, Math.floor((options.perSlice * heads.length) / Math.max(1, loaded))));
  }
}
