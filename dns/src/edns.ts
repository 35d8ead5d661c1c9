/**
 * The OPT pseudo-record's options (RFC 6891 §6.1.2), read from the RDATA span
 * a message walk found. The validation pass only notes where the first NSID
 * option is; the `Edns` object is built when someone asks for it.
 */
import { EdnsOption } from './constants.js';
import { DecodeError, u16At } from './decode-error.js';
import type { MessageLayout } from './walk.js';
import type { Edns, EdnsOptionValue } from './message-types.js';

/** Checks every option of the OPT RDATA, records the first NSID span in `layout`, and collects the options into `out`. */
export function readOptions(buf: Buffer, layout: MessageLayout, out: EdnsOptionValue[] | undefined): void {
  const start = layout.optStart;
  const end = layout.optEnd;
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end) throw new DecodeError(`EDNS option header at rdata offset ${pos - start} is cut off`);
    const code = u16At(buf, pos);
    const length = u16At(buf, pos + 2);
    if (pos + 4 + length > end) throw new DecodeError(`EDNS option ${code} runs past the OPT rdata`);
    if (code === EdnsOption.NSID && layout.nsidStart < 0) {
      layout.nsidStart = pos + 4;
      layout.nsidEnd = pos + 4 + length;
    }
    out?.push({ code, data: buf.subarray(pos + 4, pos + 4 + length) });
    pos += 4 + length;
  }
}

/** The OPT record of a validated message as `Edns`, or undefined without one. */
export function readEdns(buf: Buffer, layout: MessageLayout): Edns | undefined {
  if (layout.optStart < 0) return undefined;
  const options: EdnsOptionValue[] = [];
  readOptions(buf, layout, options);
  const ttl = layout.optTtl;
  const edns: Edns = {
    payloadSize: layout.optClass,
    extendedRcode: ttl >>> 24,
    version: (ttl >>> 16) & 0xff,
    dnssecOk: (ttl & 0x8000) !== 0,
    options,
  };
  const nsid = options.find((option) => option.code === EdnsOption.NSID);
  if (nsid !== undefined) edns.nsid = nsid.data;
  return edns;
}
