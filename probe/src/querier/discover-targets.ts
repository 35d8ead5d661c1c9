/**
 * Targets from the zone's NS set: every A and AAAA of every NS host. Glue in
 * the additional section is used when present; hosts without glue are looked
 * up with A and AAAA queries at the same server.
 *
 * Naming: each target is named by its NS host name (lower case, no trailing
 * dot), e.g. `lhr.ns.propwatch.test`. A derived short name (`LHR`) would be
 * prettier but collides as soon as two providers use `ns1`; the full host name
 * is unique and is what an operator greps for. A host with several addresses
 * yields several targets with the same name, told apart by address;
 * target-names.ts makes the names unique and valid wire identifiers.
 */
import { canonicalName, rcodeName, RRClass, RRType, type DnsMessage, type ResourceRecord } from '@propwatch/dns';
import type { Querier } from './querier.js';
import type { QueryTarget } from './results.js';

export interface DiscoveredTarget {
  name: string;
  address: string;
  port: number;
  family: 4 | 6;
}

export interface DiscoverOptions {
  zone: string;
  /** Where to ask: an authoritative server of the zone or a recursive resolver (queries set RD=1, which authoritative servers ignore). */
  resolver: QueryTarget;
  /** Port of the discovered targets (default 53). */
  port?: number;
  timeoutMs?: number;
  /** Aborts the queries still to come and in flight (shutdown). */
  signal?: AbortSignal | undefined;
}

export type Discovery = { ok: true; targets: DiscoveredTarget[]; warnings: string[] } | { ok: false; error: string };

export async function discoverTargets(querier: Pick<Querier, 'query'>, options: DiscoverOptions): Promise<Discovery> {
  const zone = canonicalName(options.zone);
  const port = options.port ?? 53;
  const ask = (name: string, type: number) =>
    querier.query(
      options.resolver,
      { name, type, class: RRClass.IN },
      { timeoutMs: options.timeoutMs, rd: true, nsid: false, signal: options.signal },
    );
  const where = `${options.resolver.address}#${options.resolver.port}`;
  const ns = await ask(zone, RRType.NS);
  if (ns.kind === 'failure')
    return { ok: false, error: `NS query for ${zone} at ${where} failed (${ns.reason}): ${ns.detail}` };
  const hosts = nsHosts(ns.message, zone);
  if (hosts.length === 0) {
    return {
      ok: false,
      error: `${where} returned no NS records for ${zone} (rcode ${rcodeName(ns.message.header.rcode)}); check the zone name and that the server is authoritative for it`,
    };
  }
  const warnings: string[] = [];
  const found = new Map<string, DiscoveredTarget>();
  const add = (name: string, rr: ResourceRecord) => {
    if (rr.data.kind !== 'a' && rr.data.kind !== 'aaaa') return;
    const target: DiscoveredTarget = { name, address: rr.data.address, port, family: rr.data.kind === 'a' ? 4 : 6 };
    found.set(`${name} ${target.address}`, target);
  };
  for (const host of hosts) {
    const glue = ns.message.additionals.filter(
      (rr) => canonicalName(rr.name) === host && (rr.type === RRType.A || rr.type === RRType.AAAA),
    );
    if (glue.length > 0) {
      for (const rr of glue) add(host, rr);
      continue;
    }
    let any = false;
    for (const type of [RRType.A, RRType.AAAA]) {
      const result = await ask(host, type);
      if (result.kind === 'failure') {
        warnings.push(
          `${type === RRType.A ? 'A' : 'AAAA'} query for NS host ${host} failed (${result.reason}): ${result.detail}`,
        );
        continue;
      }
      for (const rr of result.message.answers) {
        if (rr.type === type && canonicalName(rr.name) === host) {
          add(host, rr);
          any = true;
        }
      }
    }
    if (!any) warnings.push(`NS host ${host} has no A or AAAA record; it is not polled`);
  }
  const order = (a: DiscoveredTarget, b: DiscoveredTarget) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.family - b.family || (a.address < b.address ? -1 : 1);
  const targets = [...found.values()].sort(order);
  return { ok: true, targets, warnings };
}

/** NS hosts of `zone` from the answer, or from the authority section of a referral. */
function nsHosts(message: DnsMessage, zone: string): string[] {
  const pick = (records: ResourceRecord[]) =>
    records.flatMap((rr) =>
      rr.type === RRType.NS && rr.data.kind === 'ns' && canonicalName(rr.name) === zone
        ? [canonicalName(rr.data.target)]
        : [],
    );
  const hosts = pick(message.answers);
  return [...new Set(hosts.length > 0 ? hosts : pick(message.authorities))];
}
