/**
 * Builds a POP's answer to one query from the zone snapshot it has applied.
 * Pure: no sockets, no clock. Authoritative-only (AA=1, RA=0, RD echoed and
 * ignored), RFC 2308 negative answers with the SOA in authority, REFUSED
 * outside the zone, CHAOS identity (RFC 4892), EDNS with NSID (RFC 5001).
 */
import dns2 from 'dns2';
import { findNsid, nsidOption } from './nsid-codec.js';
import type { ZoneSnapshot } from './zone-store.js';

const { Packet } = dns2;
type Packet = dns2.Packet;
type Resource = dns2.Packet.Resource;

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

/** RFC 1035 §4.1.1 / RFC 6891 §9 (dns2's typings lack Packet.RCODE). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;
const CHAOS_NAMES = new Set(['id.server', 'hostname.bind']);

export function answerQuery(request: Packet, ctx: AnswerContext): Packet {
  const response = Packet.createResponseFromRequest(request);
  response.header.qr = 1;
  response.header.ra = 0;
  const opt = request.additionals?.find((record) => record?.type === Packet.TYPE.EDNS) as
    (Resource & { version?: number }) | undefined;
  if (opt) {
    const rdata = findNsid(request) ? [nsidOption(ctx.identity)] : [];
    response.additionals.push(Packet.Resource.EDNS(rdata));
    response.additionals[0]!.class = ctx.udpPayloadSize ?? 1232;
    if ((opt.version ?? 0) > 0) return withRcode(response, RCODE.BADVERS);
  }
  if (request.header.opcode !== 0) return withRcode(response, RCODE.NOTIMP);
  const question = request.questions?.[0];
  if (!question || request.questions.length !== 1 || typeof question.name !== 'string')
    return withRcode(response, RCODE.FORMERR);
  const name = question.name.toLowerCase().replace(/\.$/, '');

  if (question.class === Packet.CLASS.CH) {
    if (!CHAOS_NAMES.has(name) || (question.type !== Packet.TYPE.TXT && question.type !== Packet.TYPE.ANY))
      return withRcode(response, RCODE.REFUSED);
    response.header.aa = 1;
    response.answers.push(resource(question.name, Packet.TYPE.TXT, 0, { data: [ctx.identity] }, Packet.CLASS.CH));
    return response;
  }
  if (question.class !== Packet.CLASS.IN && question.class !== Packet.CLASS.ANY)
    return withRcode(response, RCODE.REFUSED);
  if (name !== ctx.zone && !name.endsWith(`.${ctx.zone}`)) return withRcode(response, RCODE.REFUSED);

  response.header.aa = 1;
  const rrsets = recordsAt(name, ctx);
  const wanted = question.type === Packet.TYPE.ANY ? rrsets : rrsets.filter((rr) => rr.type === question.type);
  if (wanted.length > 0) {
    response.answers.push(...wanted.map((rr) => ({ ...rr, name: question.name }) as Resource));
    if (question.type === Packet.TYPE.NS)
      response.additionals.unshift(...ctx.nameservers.map((ns) => addressRecord(ns)));
    return response;
  }
  const exists = rrsets.length > 0 || hasDescendant(name, ctx);
  if (!exists) response.header.rcode = RCODE.NXDOMAIN;
  // RFC 2308 §3: the SOA goes in authority; its TTL is min(SOA TTL, MINIMUM).
  const soa = soaRecord(ctx);
  soa.ttl = Math.min(soa.ttl, soa.minimum ?? soa.ttl);
  response.authorities.push(soa);
  return response;
}

function withRcode(response: Packet, rcode: number): Packet {
  response.header.aa = 0;
  response.header.rcode = rcode;
  return response;
}

function resource(
  name: string,
  type: number,
  ttl: number,
  fields: Partial<Resource>,
  cls: number = Packet.CLASS.IN,
): Resource {
  return Object.assign(new Packet.Resource({ name, type, class: cls, ttl }), fields);
}

function soaRecord(ctx: AnswerContext): Resource {
  return resource(ctx.zone, Packet.TYPE.SOA, ctx.soaTtl ?? 60, {
    primary: ctx.nameservers[0]?.name ?? `ns.${ctx.zone}`,
    admin: `hostmaster.${ctx.zone}`,
    serial: ctx.snapshot.serial,
    refresh: 3600,
    retry: 600,
    expiration: 604800,
    minimum: 30,
  });
}

function addressRecord(ns: Nameserver): Resource {
  const v6 = ns.address.includes(':');
  return resource(ns.name, v6 ? Packet.TYPE.AAAA : Packet.TYPE.A, 3600, { address: ns.address });
}

/** Every RR at an owner name in this snapshot. */
function recordsAt(name: string, ctx: AnswerContext): Resource[] {
  const out: Resource[] = [];
  if (name === ctx.zone) {
    out.push(soaRecord(ctx));
    for (const ns of ctx.nameservers) out.push(resource(ctx.zone, Packet.TYPE.NS, 3600, { ns: ns.name }));
  }
  for (const ns of ctx.nameservers) if (ns.name === name) out.push(addressRecord(ns));
  for (const rr of ctx.snapshot.txt.get(name) ?? [])
    out.push(resource(name, Packet.TYPE.TXT, rr.ttl, { data: rr.strings }));
  return out;
}

/** Empty non-terminals exist (RFC 8020): `_propwatch.zone` is NODATA, not NXDOMAIN, when `p1._propwatch.zone` exists. */
function hasDescendant(name: string, ctx: AnswerContext): boolean {
  const suffix = `.${name}`;
  for (const owner of ctx.snapshot.txt.keys()) if (owner.endsWith(suffix)) return true;
  return ctx.nameservers.some((ns) => ns.name.endsWith(suffix));
}
