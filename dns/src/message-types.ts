/**
 * The decoded shape of a DNS message. Names are presentation text without the
 * trailing dot (the root is `.`); bytes that are not plain label characters
 * appear as `\DDD` escapes, as dig prints them, so a hostile name can never
 * smuggle a dot or control character into a log line.
 */

export interface DnsHeader {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  /** Full RCODE: the header's 4 bits merged with the OPT extended bits when OPT is present. */
  rcode: number;
}

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export type RecordData =
  | { kind: 'a'; address: string }
  | { kind: 'aaaa'; address: string }
  | { kind: 'ns'; target: string }
  | { kind: 'cname'; target: string }
  /** Character-strings as raw bytes: TXT is binary-safe and the canary parser decides what is text. */
  | { kind: 'txt'; strings: Buffer[] }
  | {
      kind: 'soa';
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    }
  | { kind: 'raw' };

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** The record's rdata bytes as received (a view into the message buffer). */
  rdata: Buffer;
  data: RecordData;
}

export interface EdnsOptionValue {
  code: number;
  data: Buffer;
}

/** The OPT pseudo-record (RFC 6891), lifted out of the additional section. */
export interface Edns {
  payloadSize: number;
  extendedRcode: number;
  version: number;
  dnssecOk: boolean;
  options: EdnsOptionValue[];
  /** NSID option (RFC 5001) bytes when present; may be empty. */
  nsid?: Buffer;
}

export interface DnsMessage {
  header: DnsHeader;
  questions: DnsQuestion[];
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  /** Additional records without the OPT pseudo-record (see `edns`). */
  additionals: ResourceRecord[];
  edns?: Edns;
}

export type DecodeResult = { ok: true; message: DnsMessage } | { ok: false; error: string };
