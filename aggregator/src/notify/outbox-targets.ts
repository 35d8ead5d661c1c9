/**
 * Which webhook targets go through the outbox (the `slack` format: one message per transition, decided once)
 * and what is queued for each: the transition's payload under the target's key. The key is a hash of the URL,
 * so the database never holds a URL (it carries the target's secret); every replica with the same
 * configuration computes the same key. Alertmanager targets stay per replica (notify-plugin.ts).
 */
import { createHash } from 'node:crypto';
import type { OutboxDelivery } from '../storage/transition-store.js';
import type { OutboxTarget } from './outbox-deliverer.js';
import { signingKey } from './standard-webhooks.js';
import type { Transition } from './transition.js';
import { buildPayload } from './webhook-payload.js';

/** `sha256:` + the first 16 bytes (hex) of SHA-256 over the URL. */
export function targetKey(url: string): string {
  return `sha256:${createHash('sha256').update(url).digest().subarray(0, 16).toString('hex')}`;
}

export function outboxTargets(targets: readonly { url: string; secret?: string | undefined }[]): OutboxTarget[] {
  // The same URL configured twice is one target (its rows would share a key).
  const byKey = new Map<string, OutboxTarget>();
  for (const { url, secret } of targets)
    byKey.set(targetKey(url), { key: targetKey(url), url, signingKey: secret ? signingKey(secret) : null });
  return [...byKey.values()];
}

/** One row per target: the same body and webhook-id for all. */
export function outboxDeliveries(
  transition: Transition,
  targets: readonly OutboxTarget[],
  publicUrl: string,
): OutboxDelivery[] {
  if (targets.length === 0) return [];
  const body = JSON.stringify(buildPayload(transition.status, transition.previous, publicUrl));
  return targets.map((target) => ({
    webhookId: transition.id,
    target: target.key,
    state: transition.status.state,
    body,
  }));
}
