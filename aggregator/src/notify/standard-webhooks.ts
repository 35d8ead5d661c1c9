/**
 * Standard Webhooks (standardwebhooks.com, spec 1.0.0), the sending side:
 * `webhook-id` names the message (the same on every retry, so a receiver can
 * drop repeats), `webhook-timestamp` is the attempt's time in seconds (so a
 * receiver can refuse replays), and with a secret `webhook-signature` is
 * `v1,` + base64(HMAC-SHA256(key, "id.timestamp.body")). The secret is
 * `whsec_` + base64 of 24 to 64 random bytes; the key is those bytes.
 */
import { createHmac } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** What is wrong with a signing secret, or null when it is one: for the config error (never quoting it). */
export function describeSecretProblem(secret: string): string | null {
  if (!secret.startsWith(SECRET_PREFIX)) return `a secret starting with "${SECRET_PREFIX}"`;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) return `"${SECRET_PREFIX}" followed by base64`;
  const bytes = Buffer.from(encoded, 'base64').length;
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES)
    return `${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes after "${SECRET_PREFIX}" (got ${bytes}); e.g. ${SECRET_PREFIX}$(openssl rand -base64 32)`;
  return null;
}

/** The HMAC key of a `whsec_` secret (checked by describeSecretProblem at config load). */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function sign(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The three headers of one delivery attempt; no signature without a key. */
export function standardWebhookHeaders(
  id: string,
  timestampSeconds: number,
  body: string,
  key: Buffer | null,
): Record<string, string> {
  // The signed content is split on dots: an id with one could make two messages sign alike.
  if (id.includes('.')) throw new Error(`webhook-id must not contain ".": ${id}`);
  const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds) };
  if (key) headers['webhook-signature'] = sign(key, id, timestampSeconds, body);
  return headers;
}
