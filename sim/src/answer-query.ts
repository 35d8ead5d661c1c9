/**
 * Builds a POP's answer to one query from the zone snapshot it has applied.
 * Pure: no sockets, no clock, no bytes (pop-server.ts encodes the answer with
 * @propwatch/dns, which adds the question, the OPT and the NSID).
 * Authoritative-only (AA=1, RA=0, RD echoed and ignored), RFC 2308 negative
 * answers with the SOA in authority, REFUSED outside the zone, CHAOS identity
 * (RFC 4892), BADVERS for EDNS versions above 0 (RFC 6891 §6.1.3).
 */
import {
  asksIdentity,
  canonicalName,
  identityRecord,
  Opcode,
  Rcode,
  RRClass,
  RRType,
  type DnsQuery,
  type RecordToEncode,
  type ResponseToEncode,
} from '@propwatch/dns';
import type { ZoneSnapshot } from './zone-store.js';

export interface Nameserver {
  /** e.g. `lhr.ns.propwatch.test` */
  name: string;
  address: string;
}

export interface AnswerContext {
  /** Lower case, no trailing dot. */
  zone: string;
  snapshot: ZoneSnapshot;
  /** NSID and CHAOS identity of this POP. */
  identity: string;
  nameservers: readonly Nameserver[];
  soaTtl?: number;
  /** Our advertised EDNS UDP payload size (RFC 6891; 1232 is the common safe value). */
  udpPayloadSize?: number;
}

const SOA_MINIMUM = 30;

export function answerQuery(query: DnsQuery, ctx: AnswerContext): ResponseToEncode {
  if ((query.edns?.version ?? 0) > 0) return { rcode: Rcode.BADVERS };
  if (query.opcode !== Opcode.QUERY) return { rcode: Rcode.NOTIMP };
  const question = query.question;
  if (question.class === RRClass.CH) {
    if (!asksIdentity(question)) return { rcode: Rcode.REFUSED };
    return { aa: true, answers: [identityRecord(question, ctx.identity)] };
  }
  if (question.class !== RRClass.IN && question.class !== RRClass.ANY) return { rcode: Rcode.REFUSED };
  const name = canonicalName(question.name);
  if (name !== ctx.zone && !name.endsWith(`.${ctx.zone}`)) return { rcode: Rcode.REFUSED };

  const rrsets = recordsAt(name, ctx);
  const wanted = question.type === RRType.ANY ? rrsets : rrsets.filter((rr) => rr.type === question.type);
  if (wanted.length > 0) {
    return {
      aa: true,
      // Owned by the name as asked, case included, as authoritative servers answer.
      answers: wanted.map((rr) => ({ ...rr, name: question.name })),
      additionals: question.type === RRType.NS ? ctx.nameservers.map(addressRecord) : [],
    };
  }
  const exists = rrsets.length > 0 || hasDescendant(name, ctx);
  // RFC 2308 §3: the SOA goes in authority; its TTL is min(SOA TTL, MINIMUM).
  const soa = { ...soaRecord(ctx), ttl: Math.min(ctx.soaTtl ?? 60, SOA_MINIMUM) };
  return { aa: true, rcode: exists ? Rcode.NOERROR : Rcode.NXDOMAIN, authorities: [soa] };
}

function soaRecord(ctx: AnswerContext): RecordToEncode {
  return {
    name: ctx.zone,
    type: RRType.SOA,
    ttl: ctx.soaTtl ?? 60,
    data: {
      kind: 'soa',
      mname: ctx.nameservers[0]?.name ?? `ns.${ctx.zone}`,
      rname: `hostmaster.${ctx.zone}`,
      serial: ctx.snapshot.serial,
      refresh: 3600,
      retry: 600,
      expire: 604800,
      minimum: SOA_MINIMUM,
    },
  };
}

function addressRecord(ns: Nameserver): RecordToEncode {
  const v6 = ns.address.includes(':');
  return {
    name: ns.name,
    type: v6 ? RRType.AAAA : RRType.A,
    ttl: 3600,
    data: { kind: v6 ? 'aaaa' : 'a', address: ns.address },
  };
}

/** Every RR at an owner name in this snapshot. */
function recordsAt(name: string, ctx: AnswerContext): RecordToEncode[] {
  const out: RecordToEncode[] = [];
  if (name === ctx.zone) {
    out.push(soaRecord(ctx));
    for (const ns of ctx.nameservers)
      out.push({ name: ctx.zone, type: RRType.NS, ttl: 3600, data: { kind: 'ns', target: ns.name } });
  }
  for (const ns of ctx.nameservers) if (ns.name === name) out.push(addressRecord(ns));
  for (const rr of ctx.snapshot.txt.get(name) ?? [])
    out.push({ name, type: RRType.TXT, ttl: rr.ttl, data: { kind: 'txt', strings: rr.strings } });
  return out;
}

/** Empty non-terminals exist (RFC 8020): `_propwatch.zone` is NODATA, not NXDOMAIN, when `p1._propwatch.zone` exists. */
function hasDescendant(name: string, ctx: AnswerContext): boolean {
  const suffix = `.${name}`;
  for (const owner of ctx.snapshot.txt.keys()) if (owner.endsWith(suffix)) return true;
  return ctx.nameservers.some((ns) => ns.name.endsWith(suffix));
}
