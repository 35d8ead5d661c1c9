import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeSecretProblem, sign, signingKey, standardWebhookHeaders } from './standard-webhooks.js';

/**
 * A receiver's check, written from the spec here and nowhere else: the key is the base64 after `whsec_`, the
 * signed content `id.timestamp.body`, the header a space-separated list of `v1,<base64>`.
 */
function verify(secret: string, headers: Record<string, string>, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const content = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = createHmac('sha256', key).update(content).digest();
  return (headers['webhook-signature'] ?? '').split(' ').some((entry) => {
    const [version, signature] = entry.split(',');
    const given = Buffer.from(signature ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('Standard Webhooks signatures', () => {
  it("match the spec's reference vector (standard-webhooks libraries' sign test)", () => {
    const key = signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(sign(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('verify with an independent implementation; a changed body, id or timestamp does not', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const body = JSON.stringify({ state: 'alarm', reason: 'LHR not serving serial 1 after 42.0 s (probes p1, p2)' });
    const headers = standardWebhookHeaders('msg_abc', 1_700_000_000, body, signingKey(secret));
    expect(headers['webhook-id']).toBe('msg_abc');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(verify(secret, headers, body)).toBe(true);
    expect(verify(secret, headers, body.replace('42.0', '41.0'))).toBe(false);
    expect(verify(secret, { ...headers, 'webhook-id': 'msg_abd' }, body)).toBe(false);
    expect(verify(secret, { ...headers, 'webhook-timestamp': '1700000001' }, body)).toBe(false);
    expect(verify(`whsec_${Buffer.alloc(32, 8).toString('base64')}`, headers, body)).toBe(false);
  });

  it('leave the signature out without a secret; refuse an id with a dot (the signed content splits on dots)', () => {
    expect(standardWebhookHeaders('msg_x', 5, '{}', null)).toEqual({ 'webhook-id': 'msg_x', 'webhook-timestamp': '5' });
    expect(() => standardWebhookHeaders('msg.x', 5, '{}', null)).toThrow(/must not contain "\."/);
  });

  it.each([
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', null],
    [`whsec_${Buffer.alloc(64).toString('base64')}`, null],
    ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'a secret starting with "whsec_"'],
    ['whsec_not base64!', '"whsec_" followed by base64'],
    [`whsec_${Buffer.alloc(16).toString('base64')}`, '24 to 64 random bytes after "whsec_" (got 16)'],
    [`whsec_${Buffer.alloc(65).toString('base64')}`, '24 to 64 random bytes after "whsec_" (got 65)'],
  ])('secret %s: %s', (secret, problem) => {
    const described = describeSecretProblem(secret);
    if (problem === null) expect(described).toBeNull();
    else expect(described).toContain(problem);
  });
});
