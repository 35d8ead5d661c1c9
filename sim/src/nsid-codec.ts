/**
 * EDNS NSID (RFC 5001, option code 3) for dns2's Packet.
 *
 * Why a codec in dns2's registry rather than parsing the raw OPT ourselves:
 * the dns2 servers parse each query before our handler sees it and drop any
 * EDNS option they have no codec for, and they serialize our answer with the
 * same registry (dropping unknown options again). Registering a codec is the
 * only way to both see "NSID requested" and emit the NSID bytes while still
 * handing dns2 a Packet, which its UDP server needs to set TC correctly.
 *
 * The registry is process-global. Registration is idempotent; the option
 * object shape is `{ ednsCode: 3, data: Buffer }` (data may also be a string
 * when encoding), so another module registering the same shape is harmless.
 */
import dns2 from 'dns2';

const { Packet } = dns2;

export const NSID_OPTION_CODE = 3;

export interface NsidOption {
  ednsCode: typeof NSID_OPTION_CODE;
  data: Buffer;
}

interface OptionCodec {
  decode: (reader: dns2.Packet.Reader, length: number) => NsidOption;
  encode: (option: { data?: Buffer | string }, writer: dns2.Packet.Writer) => void;
}

const nsidCodec: OptionCodec = {
  decode(reader, length) {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = reader.read(8);
    return { ednsCode: NSID_OPTION_CODE, data: bytes };
  },
  encode(option, writer) {
    const data = typeof option.data === 'string' ? Buffer.from(option.data, 'utf8') : (option.data ?? Buffer.alloc(0));
    for (const byte of data) writer.write(byte, 8);
  },
};

/** Makes dns2's Packet parse and serialize the NSID option. Safe to call many times. */
export function registerNsidCodec(): void {
  const codes = Packet.EDNS_OPTION_CODE as unknown as Record<string, number>;
  const registry = Packet.Resource.EDNS as unknown as Record<string, Partial<OptionCodec> | undefined>;
  if (codes.NSID === NSID_OPTION_CODE && registry.NSID?.decode && registry.NSID.encode) return;
  codes.NSID = NSID_OPTION_CODE;
  registry.NSID = nsidCodec;
}

/** An NSID option for an EDNS OPT record's rdata. */
export function nsidOption(data: Buffer | string = Buffer.alloc(0)): NsidOption {
  return { ednsCode: NSID_OPTION_CODE, data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data };
}

/** The NSID option carried by a parsed packet's OPT record, if any. */
export function findNsid(packet: dns2.Packet): NsidOption | undefined {
  const opt = packet.additionals?.find((record) => record?.type === Packet.TYPE.EDNS) as
    { rdata?: Array<{ ednsCode?: number }> } | undefined;
  return opt?.rdata?.find((option) => option?.ednsCode === NSID_OPTION_CODE) as NsidOption | undefined;
}

registerNsidCodec();
