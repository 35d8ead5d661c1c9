/** Notify plugin: a webhook delivery on every status change, queued so ingest never waits. */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { WebhookNotifier } from '../notify/webhook-notifier.js';
import { buildPayload } from '../notify/webhook-payload.js';
import './decorators.js';

export interface NotifyPluginOptions {
  /** Injected for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

async function notifyPlugin(app: FastifyInstance, options: NotifyPluginOptions): Promise<void> {
  const { webhooks, publicUrl } = app.aggregatorConfig;
  if (webhooks.urls.length === 0) return;
  const notifier = new WebhookNotifier({
    ...webhooks,
    log: app.log.child({ component: 'webhooks' }),
    count: (result) => app.metrics.webhookDeliveries.inc({ result }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  app.decorate('webhooks', notifier);
  app.statusTracker.onChange(({ status, previous }) => notifier.enqueue(buildPayload(status, previous, publicUrl)));
  app.addHook('onClose', async () => notifier.close());
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Present only when webhook URLs are configured. */
    webhooks?: WebhookNotifier;
  }
}

export default fp(notifyPlugin, {
  name: 'propwatch-notify',
  fastify: '5.x',
  dependencies: ['propwatch-status', 'propwatch-metrics'],
});
