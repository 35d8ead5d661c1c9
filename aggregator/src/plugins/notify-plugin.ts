/**
 * Notify plugin: every status change becomes one Transition (with its own webhook-id) queued for every webhook
 * target, so ingest never waits; alertmanager targets are also kept in step on a timer.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { AlertSnapshot } from '../notify/alertmanager-alerts.js';
import { transitionId } from '../notify/transition.js';
import { type WebhookTarget, WebhookNotifier } from '../notify/webhook-notifier.js';
import { findAlarmPops } from '../status/alarm-pops.js';
import './decorators.js';

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
  const notifier = new WebhookNotifier({
    ...delivery,
    targets: all,
    publicUrl,
    resendMs,
    now: () => app.clock.now(),
    log: app.log.child({ component: 'webhooks' }),
    count: (result) => app.metrics.webhookDeliveries.inc({ result }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  app.decorate('webhooks', notifier);
  app.statusTracker.onChange(({ status, previous, evaluation }) =>
    notifier.notify({
      id: transitionId(previous, status),
      status,
      previous,
      alarmPops: findAlarmPops(evaluation),
    }),
  );
  const current = (): AlertSnapshot => {
    const { evaluation } = app.statusTracker;
    return { status: evaluation.status, alarmPops: findAlarmPops(evaluation) };
  };
  app.addHook('onReady', async () => notifier.start(current, resendMs));
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
