/**
 * The provider's record store and the zone versions it publishes. Every
 * committed change produces an immutable snapshot (version n, SOA serial
 * base + n) that POPs apply in order; the snapshot is what a POP answers from.
 */
import { randomBytes } from 'node:crypto';
import type { Moment } from './moment.js';
import { contentToStrings } from './txt-content.js';

export interface DnsRecord {
  id: string;
  type: 'TXT';
  /** FQDN, lower case, no trailing dot. */
  name: string;
  content: string;
  ttl: number;
  comment: string | null;
  created_on: string;
  modified_on: string;
}

export interface TxtRr {
  ttl: number;
  strings: string[];
}

export interface ZoneSnapshot {
  version: number;
  serial: number;
  committedAt: Moment;
  /** TXT RRsets by owner name (lower case, no trailing dot). */
  txt: ReadonlyMap<string, readonly TxtRr[]>;
}

export class ZoneStore {
  private readonly records = new Map<string, DnsRecord>();
  private readonly snapshots: ZoneSnapshot[] = [];
  /** Versions below this were forgotten. */
  private forgotten = 0;

  constructor(
    readonly zone: string,
    private readonly initialSerial: number,
    committedAt: Moment,
    private readonly newId: () => string = () => randomBytes(16).toString('hex'),
  ) {
    this.snapshots.push({ version: 0, serial: initialSerial, committedAt, txt: new Map() });
  }

  list(): DnsRecord[] {
    return [...this.records.values()];
  }

  get(id: string): DnsRecord | undefined {
    return this.records.get(id);
  }

  /** Adds a record; the caller commits. */
  insert(fields: Pick<DnsRecord, 'name' | 'content' | 'ttl' | 'comment'>, nowIso: string): DnsRecord {
    const record: DnsRecord = { id: this.newId(), type: 'TXT', ...fields, created_on: nowIso, modified_on: nowIso };
    this.records.set(record.id, record);
    return record;
  }

  replace(id: string, fields: Pick<DnsRecord, 'name' | 'content' | 'ttl' | 'comment'>, nowIso: string): DnsRecord {
    const current = this.records.get(id);
    if (!current) throw new Error(`bug: replace of unknown record ${id}`);
    const record: DnsRecord = { ...current, ...fields, modified_on: nowIso };
    this.records.set(id, record);
    return record;
  }

  remove(id: string): boolean {
    return this.records.delete(id);
  }

  /** Publishes the current records as the next zone version. */
  commit(committedAt: Moment): ZoneSnapshot {
    const txt = new Map<string, TxtRr[]>();
    const ordered = [...this.records.values()].sort(
      (a, b) => a.created_on.localeCompare(b.created_on) || a.id.localeCompare(b.id),
    );
    for (const record of ordered) {
      const list = txt.get(record.name) ?? [];
      list.push({ ttl: record.ttl === 1 ? 300 : record.ttl, strings: contentToStrings(record.content) });
      txt.set(record.name, list);
    }
    const version = this.snapshots.length;
    const snapshot: ZoneSnapshot = { version, serial: (this.initialSerial + version) >>> 0, committedAt, txt };
    this.snapshots.push(snapshot);
    return snapshot;
  }

  snapshot(version: number): ZoneSnapshot {
    const found = this.snapshots[version];
    if (!found) throw new Error(`bug: no zone version ${version}`);
    return found;
  }

  get latest(): ZoneSnapshot {
    return this.snapshots[this.snapshots.length - 1]!;
  }

  get versions(): readonly ZoneSnapshot[] {
    return this.snapshots;
  }

  /** Drops the snapshots of versions below `version` (no POP answers from them any more); numbering is unchanged. */
  forgetBefore(version: number): void {
    for (; this.forgotten < version && this.forgotten < this.snapshots.length - 1; this.forgotten++)
      // eslint-disable-next-line @typescript-eslint/no-array-delete -- a hole on purpose: indexes stay versions, iteration skips it
      delete this.snapshots[this.forgotten];
  }
}
