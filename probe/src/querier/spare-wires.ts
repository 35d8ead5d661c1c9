/**
 * Sent query buffers kept for reuse, by prepared query. Each send would
 * otherwise allocate and copy a fresh buffer; reusing one costs two byte
 * writes. dgram does not copy what it sends (a send that cannot complete at
 * once is queued with the buffer itself), so a buffer is only free again once
 * its send callback has run: `release` belongs in that callback.
 */
import { stampId, stampQuery, type PreparedQuery } from '@propwatch/dns';

/** Enough for every query in flight at benchmark load; beyond it, buffers are left to the GC. */
const MAX_SPARES = 1024;

export class SpareWires {
  private readonly spares = new WeakMap<PreparedQuery, Buffer[]>();

  /** The prepared query carrying `id`, in a released buffer when there is one. */
  take(prepared: PreparedQuery, id: number): Buffer {
    const wire = this.spares.get(prepared)?.pop();
    if (wire === undefined) return stampQuery(prepared, id);
    stampId(wire, id);
    return wire;
  }

  /** Hands back a buffer from `take` whose send has completed. */
  release(prepared: PreparedQuery, wire: Buffer): void {
    let list = this.spares.get(prepared);
    if (list === undefined) this.spares.set(prepared, (list = []));
    if (list.length < MAX_SPARES) list.push(wire);
  }
}
