/**
 * DNS numbers propwatch speaks (RFC 1035, RFC 2136, RFC 6891, RFC 5001,
 * RFC 4892, RFC 8945): the one table of them. Only what propwatch uses;
 * anything else decodes as raw rdata and is named in RFC 3597 style.
 */

/** Resource record types. */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  OPT: 41,
  TSIG: 250,
  ANY: 255,
} as const;

/** Classes: IN for the zone, CH for RFC 4892 `id.server.` queries. */
export const RRClass = {
  IN: 1,
  CH: 3,
  NONE: 254,
  ANY: 255,
} as const;

/** Response codes, including the extended ones carried partly in OPT (RFC 6891 §6.1.3). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  YXDOMAIN: 6,
  YXRRSET: 7,
  NXRRSET: 8,
  NOTAUTH: 9,
  NOTZONE: 10,
  BADVERS: 16,
  BADCOOKIE: 23,
} as const;

/**
 * TSIG errors (RFC 8945 §4.3), carried in the TSIG record's error field. They
 * share numbers with extended RCODEs (16 is BADVERS in OPT, BADSIG in TSIG),
 * hence a table of their own.
 */
export const TsigError = {
  BADSIG: 16,
  BADKEY: 17,
  BADTIME: 18,
  BADMODE: 19,
  BADNAME: 20,
  BADALG: 21,
  BADTRUNC: 22,
} as const;

/** Opcodes. */
export const Opcode = { QUERY: 0, NOTIFY: 4, UPDATE: 5 } as const;

/** EDNS option codes. */
export const EdnsOption = { NSID: 3, COOKIE: 10 } as const;

/** RFC 6891 §6.2.5 / DNS flag day 2020: a payload size that avoids IP fragmentation. */
export const DEFAULT_EDNS_PAYLOAD_SIZE = 1232;

const rcodeNames = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]));
const typeNames = new Map<number, string>(Object.entries(RRType).map(([name, code]) => [code, name]));
const tsigErrorNames = new Map<number, string>(Object.entries(TsigError).map(([name, code]) => [code, name]));
const classNames = new Map<number, string>(Object.entries(RRClass).map(([name, code]) => [code, name]));

/** `NXDOMAIN` for 3; `RCODE42` for codes without a name. */
export function rcodeName(rcode: number): string {
  return rcodeNames.get(rcode) ?? `RCODE${rcode}`;
}

/** `TXT` for 16; `TYPE65` (RFC 3597 notation) for types without a name here. */
export function typeName(type: number): string {
  return typeNames.get(type) ?? `TYPE${type}`;
}

/** `IN` for 1; `CLASS7` for classes without a name here. */
export function className(rrClass: number): string {
  return classNames.get(rrClass) ?? `CLASS${rrClass}`;
}

/** `BADTIME` for 18; `TSIGERR42` for errors without a name. */
export function tsigErrorName(error: number): string {
  return tsigErrorNames.get(error) ?? `TSIGERR${error}`;
}
