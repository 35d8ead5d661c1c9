import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, RRClass, RRType } from '@propwatch/dns';
import { identifyByChaos } from './chaos-identity.js';
import type { Querier } from './querier.js';
import type { QueryResult } from './results.js';

/** A querier that answers every question with one CH TXT record of these strings, decoded from real bytes. */
function answering(...strings: Buffer[]): Pick<Querier, 'query'> {
  const wire = encodeMessage({
    id: 1,
    flags: { qr: true, aa: true },
    questions: [{ name: 'id.server', type: RRType.TXT, class: RRClass.CH }],
    answers: [{ name: 'id.server', type: RRType.TXT, class: RRClass.CH, ttl: 0, data: { kind: 'txt', strings } }],
  });
  const decoded = decodeMessage(wire);
  if (!decoded.ok) throw new Error(decoded.error);
  const result: QueryResult = {
    kind: 'answer',
    transport: 'udp',
    rttMs: 1,
    sentAt: 0,
    receivedAt: 1,
    message: decoded.message,
  };
  return { query: async () => result };
}

const target = { address: '192.0.2.1', port: 53 };

describe('identifyByChaos', () => {
  it('caps the identity at the wire bound of 512 characters', async () => {
    const identity = await identifyByChaos(
      answering(...Array.from({ length: 20 }, () => Buffer.alloc(255, 'x'))),
      target,
    );
    expect(identity).toMatchObject({ kind: 'identified', identity: 'x'.repeat(512) });
  });

  it('cuts before an escape rather than through it', async () => {
    const identity = await identifyByChaos(
      answering(Buffer.alloc(255, 'y'), Buffer.alloc(255, 'y'), Buffer.from([0x01, 0x02])),
      target,
    );
    expect(identity).toMatchObject({ kind: 'identified', identity: 'y'.repeat(510) });
  });

  it('escapes bytes outside printable ASCII', async () => {
    expect(await identifyByChaos(answering(Buffer.from('fra\\1\n')), target)).toMatchObject({
      identity: 'fra\\0921\\010',
    });
  });
});
