/**
 * Process and build metrics every propwatch process with a /metrics exports:
 * prom-client's defaults (`process_*`, `nodejs_*`) and `<name>_build_info`.
 *
 * They describe the process, so they are created once per process and the
 * same metric objects are registered on each app's own registry: prom-client
 * starts an event-loop delay monitor and a GC observer per collection and
 * never stops them, so one set per app (tests build hundreds) would pile up.
 *
 * prom-client (15.x) names three gauges `nodejs_active_handles_total`,
 * `nodejs_active_requests_total` and `nodejs_active_resources_total`, and
 * `promtool check metrics` rejects them ("non-counter metrics should not have
 * _total suffix"). They are dropped: each is the sum over the `type` label of
 * the gauge without the suffix (`sum(nodejs_active_handles)`), which stays.
 *
 * prom-client's parts are passed in rather than imported, so `shared` does not
 * load prom-client into the sim and the beacon client, which have no use for it.
 */
import { PROPWATCH_VERSION } from '../version.js';

/** Default gauges whose names promtool rejects; removed after registering the defaults. */
export const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

interface RegistryLike<M> {
  removeSingleMetric(name: string): void;
  getMetricsAsArray(): M[];
  registerMetric(metric: M): void;
}

/** What this needs of prom-client: `import * as promClient from 'prom-client'` fits. */
export interface PromClientParts<R> {
  Registry: new () => R;
  collectDefaultMetrics(config: { register: R }): void;
  Gauge: new (config: { name: string; help: string; labelNames: string[]; registers: R[] }) => {
    set(labels: Record<string, string>, value: number): void;
  };
}

const perProcess = new Map<string, unknown>();

/**
 * Registers the process metrics and `buildInfoName` (always 1, labelled with the propwatch version and the
 * Node.js version that runs it) on `registry`.
 */
export function registerProcessMetrics<M, R extends RegistryLike<M>>(
  promClient: PromClientParts<R>,
  registry: R,
  buildInfoName: string,
): void {
  let metrics = perProcess.get(buildInfoName) as R | undefined;
  if (!metrics) {
    metrics = new promClient.Registry();
    promClient.collectDefaultMetrics({ register: metrics });
    for (const name of MISNAMED_DEFAULT_METRICS) metrics.removeSingleMetric(name);
    new promClient.Gauge({
      name: buildInfoName,
      help: 'Always 1; the labels say which propwatch release (version) runs on which Node.js (nodejs).',
      labelNames: ['version', 'nodejs'],
      registers: [metrics],
    }).set({ version: PROPWATCH_VERSION, nodejs: process.versions.node }, 1);
    perProcess.set(buildInfoName, metrics);
  }
  for (const metric of metrics.getMetricsAsArray()) registry.registerMetric(metric);
}
