/**
 * Wraps a real writer to keep what it returned (the round report carries
 * only the error text, not the machine-readable `code`) and to act right
 * after the write was acknowledged, e.g. SIGSTOP a secondary mid-round.
 */
import type { CanaryWriter, WriteResult } from '../../src/writers/writer.js';

export interface ObservedWriter {
  writer: CanaryWriter;
  results: WriteResult[];
}

export function observeWriter(inner: CanaryWriter, afterWrite?: (result: WriteResult) => void): ObservedWriter {
  const results: WriteResult[] = [];
  const writer: CanaryWriter = {
    kind: inner.kind,
    write: async (change, signal) => {
      const result = await inner.write(change, signal);
      results.push(result);
      afterWrite?.(result);
      return result;
    },
    close: () => inner.close?.() ?? Promise.resolve(),
  };
  return { writer, results };
}
