/**
 * A message `scanMessage` has already validated in full, whose names and
 * records are built on first read. At tens of thousands of answers a second
 * the querier must not build strings and record objects nobody reads: many
 * callers look only at the header and NSID.
 */
import { buildSections, scanMessage } from './decode.js';
import { readHeader, type MessageLayout, type MessageSections } from './walk.js';
import { readEdns } from './edns.js';
import type { DnsHeader, DnsMessage, DnsQuestion, Edns, ResourceRecord } from './message-types.js';
import { renderNsidAt } from './nsid.js';

export class LazyMessage implements DnsMessage {
  readonly header: DnsHeader;
  private sections: MessageSections | undefined;
  private ednsValue: Edns | undefined | null = null;

  /** `layout` must be what `scanMessage(buf)` returned; `buf` must not change afterwards. */
  constructor(
    private readonly buf: Buffer,
    private readonly layout: MessageLayout,
  ) {
    this.header = readHeader(buf, layout);
  }

  /** Validates `buf` in full; the lazy message, or why it is malformed. */
  static decode(buf: Buffer): { ok: true; message: LazyMessage } | { ok: false; error: string } {
    const layout = scanMessage(buf);
    return typeof layout === 'string'
      ? { ok: false, error: layout }
      : { ok: true, message: new LazyMessage(buf, layout) };
  }

  get questions(): DnsQuestion[] {
    return this.built().questions;
  }

  get answers(): ResourceRecord[] {
    return this.built().answers;
  }

  get authorities(): ResourceRecord[] {
    return this.built().authorities;
  }

  get additionals(): ResourceRecord[] {
    return this.built().additionals;
  }

  get edns(): Edns | undefined {
    if (this.ednsValue === null) this.ednsValue = readEdns(this.buf, this.layout);
    return this.ednsValue;
  }

  /** `renderNsid` of the NSID option without building the `Edns` object; undefined without NSID. */
  renderNsid(): string | undefined {
    const { nsidStart, nsidEnd } = this.layout;
    return nsidStart < 0 ? undefined : renderNsidAt(this.buf, nsidStart, nsidEnd);
  }

  /** A plain object with every section, for logs and snapshots (getters are not own properties). */
  toJSON(): DnsMessage {
    const message: DnsMessage = { header: this.header, ...this.built() };
    const edns = this.edns;
    if (edns) message.edns = edns;
    return message;
  }

  private built(): MessageSections {
    // Cannot throw: the same walker already accepted these bytes in the scan.
    this.sections ??= buildSections(this.buf);
    return this.sections;
  }
}
