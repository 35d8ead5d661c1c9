/**
 * Validates a dns_records request body the way Cloudflare does for the
 * fields a TXT client sends. The sim is stricter in one place: names must be
 * the zone or under it (Cloudflare would silently append the zone to a
 * relative name), so a writer that builds the wrong FQDN fails loudly.
 */
import { cfErrors } from './cf-errors.js';
import type { DnsRecord } from '../zone-store.js';

export const MAX_TXT_CONTENT = 2048;
export const MAX_COMMENT = 500;
const KNOWN_TYPES = new Set([
  'A',
  'AAAA',
  'CAA',
  'CERT',
  'CNAME',
  'DNSKEY',
  'DS',
  'HTTPS',
  'LOC',
  'MX',
  'NAPTR',
  'NS',
  'PTR',
  'SMIMEA',
  'SRV',
  'SSHFP',
  'SVCB',
  'TLSA',
  'TXT',
  'URI',
]);

export type RecordFields = Pick<DnsRecord, 'name' | 'content' | 'ttl' | 'comment'>;

export interface RecordInputOptions {
  zone: string;
  /** Lowest TTL besides 1 (automatic): 30 on Enterprise plans, 60 otherwise. */
  minTtl: number;
}

/** Full input (POST/PUT) when `current` is absent; a PATCH merges into `current`. */
export function parseRecordInput(body: unknown, options: RecordInputOptions, current?: DnsRecord): RecordFields {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw cfErrors.invalidBody('Expected a JSON object.');
  const input = body as Record<string, unknown>;
  const type = input.type ?? current?.type;
  if (typeof type !== 'string' || type === '')
    throw cfErrors.invalidType('DNS record type is missing; expected "TXT".');
  const upper = type.toUpperCase();
  if (!KNOWN_TYPES.has(upper)) throw cfErrors.invalidType(`DNS record type ${JSON.stringify(type)} is invalid.`);
  if (upper !== 'TXT')
    throw cfErrors.invalidType(`propwatch-sim only stores TXT records; ${upper} records cannot be created or changed.`);
  if (input.proxied === true) throw cfErrors.notProxiable();

  const name = normalizeName(input.name ?? current?.name, options.zone);
  const content = input.content ?? current?.content;
  if (typeof content !== 'string' || content.length === 0)
    throw cfErrors.invalidContent('Content for TXT record is missing; expected a non-empty string.');
  if (content.length > MAX_TXT_CONTENT)
    throw cfErrors.invalidContent(
      `Content for TXT record is invalid: ${content.length} characters, at most ${MAX_TXT_CONTENT} allowed.`,
    );
  if (!/^[\x20-\x7e]*$/.test(content)) throw cfErrors.nonPrintableTxt();

  const ttl = input.ttl ?? current?.ttl ?? 1;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || !(ttl === 1 || (ttl >= options.minTtl && ttl <= 86400)))
    throw cfErrors.invalidTtl(options.minTtl);

  const comment = input.comment === undefined ? (current?.comment ?? null) : input.comment;
  if (comment !== null && (typeof comment !== 'string' || comment.length > MAX_COMMENT))
    throw cfErrors.invalidContent(`comment must be a string of at most ${MAX_COMMENT} characters or null.`);
  return { name, content, ttl, comment: comment === '' ? null : comment };
}

/** `@`, the zone, or a name under it (trailing dot allowed) → lower-case FQDN without the dot. */
export function normalizeName(value: unknown, zone: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw cfErrors.invalidName('name is missing.');
  const name = value.trim().toLowerCase().replace(/\.$/, '');
  if (name === '@') return zone;
  if (name !== zone && !name.endsWith(`.${zone}`))
    throw cfErrors.invalidName(`${JSON.stringify(value)} is not in zone ${zone}.`);
  if (
    name.length > 253 ||
    name.split('.').some((label) => label.length === 0 || label.length > 63 || !/^[a-z0-9_*-]+$/.test(label))
  ) {
    throw cfErrors.invalidName(`${JSON.stringify(value)} is not a valid host name.`);
  }
  return name;
}
