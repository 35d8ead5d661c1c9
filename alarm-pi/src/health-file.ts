/**
 * The beacon client's heartbeat for container healthchecks. The client has
 * no port to ask, so after every poll that got a status from the aggregator
 * it rewrites a small file (`<state> <ISO time>`); a HEALTHCHECK reads the
 * file's age. A client that hangs, or that cannot reach the aggregator
 * (down, wrong URL, refused token), stops refreshing it, while the light
 * keeps showing what the client last knew. One write per poll: keep the
 * file on tmpfs (/dev/shm, /run), not on a Pi's SD card.
 */
import { writeFile } from 'node:fs/promises';

export interface HealthFile {
  /** Records a status received now. Never throws; a write still in flight makes this call a no-op. */
  mark(state: string): void;
}

/** `onError` hears about the first failed write of a run of failures (one log line, not one per poll). */
export function createHealthFile(path: string, onError: (error: unknown) => void): HealthFile {
  let writing = false;
  let failing = false;
  return {
    mark(state) {
      if (writing) return;
      writing = true;
      writeFile(path, `${state} ${new Date().toISOString()}\n`)
        .then(
          () => void (failing = false),
          (error: unknown) => {
            if (!failing) onError(error);
            failing = true;
          },
        )
        .finally(() => void (writing = false));
    },
  };
}
