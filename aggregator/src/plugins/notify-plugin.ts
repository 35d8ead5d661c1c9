/**
 * Notify plugin. `slack` targets go through the outbox: each transition committed by the status committer
 * (transition-committer.ts) queues one row per target in the same transaction, and the outbox deliverer sends
 * them (once across replicas, with the transition's webhook-id). `alertmanager` targets stay per replica: each
 * replica keeps the Alertmanager in step on a timer and on every transition it commits or adopts; Alertmanager
 * dedups identical alerts itself, so several replicas sending the same ones is how Prometheus HA pairs work too.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { AlertSnapshot } from '../notify/alertmanager-alerts.js';
import { OutboxDeliverer } from '../notify/outbox-deliverer.js';
import { outboxDeliveries, outboxTargets } from '../notify/outbox-targets.js';
import { type WebhookTarget, WebhookNotifier } from '../notify/webhook-notifier.js';
import { findAlarmPops } from '../status/alarm-pops.js';
import './decorators.js';

/** How long an outbox claim lasts (at least): a replica that dies mid-delivery delays that delivery this long. */
export const OUTBOX_LEASE_MS = 10_000;
/** How often the outbox is looked at without a kick (a peer's rows whose notification was lost). */
export const OUTBOX_POLL_MS = 1_000;

export interface NotifyPluginOptions {
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

async function notifyPlugin(app: FastifyInstance, options: NotifyPluginOptions): Promise<void> {
  const { webhooks, publicUrl } = app.aggregatorConfig;
  const { urls, targets, resendMs, ...delivery } = webhooks;
  // `urls` is shorthand for unsigned slack targets.
  const all: WebhookTarget[] = [...urls.map((url) => ({ url, format: 'slack' as const })), ...targets];
  if (all.length === 0) return;
  const log = app.log.child({ component: 'webhooks' });
  const count = (result: 'delivered' | 'failed' | 'dropped') => app.metrics.webhookDeliveries.inc({ result });
  const slack = outboxTargets(all.filter((target) => target.format === 'slack'));
  const outbox = new OutboxDeliverer({
    store: app.store,
    targets: slack,
    timeoutMs: delivery.timeoutMs,
    maxAttempts: delivery.maxAttempts,
    retryBaseMs: delivery.retryBaseMs,
    // Longer than one attempt can take, so a live deliverer's claim never runs out under it.
    leaseMs: Math.max(OUTBOX_LEASE_MS, 2 * delivery.timeoutMs),
    pollMs: OUTBOX_POLL_MS,
    now: () => app.clock.now(),
    scheduleNow: Date.now,
    log,
    count,
    fetch: options.fetch,
  });
  const notifier = new WebhookNotifier({
    ...delivery,
    targets: all.filter((target) => target.format === 'alertmanager'),
    publicUrl,
    resendMs,
    now: () => app.clock.now(),
    log,
    count,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    outbox,
  });
  app.decorate('webhooks', notifier);
  app.transitions.plan((transition) => outboxDeliveries(transition, slack, publicUrl));
  app.transitions.onCommitted((transition) => {
    if (slack.length > 0) outbox.kick();
    notifier.notify(transition);
  });
  const current = (): AlertSnapshot => {
    const { evaluation } = app.statusTracker;
    return { status: evaluation.status, alarmPops: findAlarmPops(evaluation) };
  };
  // A transition a peer decided: this replica's Alertmanager view follows at once rather than at the next resend.
  app.transitions.onAdopted(() => notifier.refresh(current));
  app.addHook('onReady', async () => {
    notifier.start(current, resendMs);
    if (slack.length > 0) outbox.start();
  });
  app.addHook('onClose', async () => notifier.close());
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only when webhook targets are configured. */
    webhooks?: WebhookNotifier;
  }
}

export default fp(notifyPlugin, {
  name: 'propwatch-notify',
  fastify: '5.x',
  dependencies: ['propwatch-status', 'propwatch-metrics'],
});
