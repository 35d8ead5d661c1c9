/**
 * Server identity through CHAOS TXT (RFC 4892): `id.server.` (and BIND's
 * older `hostname.bind.`) in class CH. A separate query from the one being
 * measured, so behind a load balancer it may reach another instance; NSID in
 * the same packet is preferred where a server gives it.
 */
import { RRClass, RRType } from './constants.js';
import type { RecordToEncode } from './encode.js';
import type { DnsQuestion } from './message-types.js';
import { canonicalName } from './name.js';

/** The names a server answers with its identity. */
export const IDENTITY_NAMES: readonly string[] = ['id.server', 'hostname.bind'];

/** Whether `question` asks a server for its identity: class CH, type TXT or ANY, one of IDENTITY_NAMES. */
export function asksIdentity(question: DnsQuestion): boolean {
  return (
    question.class === RRClass.CH &&
    (question.type === RRType.TXT || question.type === RRType.ANY) &&
    IDENTITY_NAMES.includes(canonicalName(question.name))
  );
}

/** The CH TXT record naming this server, owned by the question's name as it was asked. */
export function identityRecord(question: DnsQuestion, identity: string): RecordToEncode {
  return {
    name: question.name,
    type: RRType.TXT,
    class: RRClass.CH,
    ttl: 0,
    data: { kind: 'txt', strings: [identity] },
  };
}
