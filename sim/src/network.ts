/**
 * startSimNetwork(): wires the zone store, propagation model, POP instances,
 * vantages, query router, DNS sockets, ground truth and HTTP API into one
 * running simulated anycast network.
 */
import { systemClock } from '@propwatch/shared';
import type { Nameserver } from './answer-query.js';
import { AnswerLog } from './answer-log.js';
import type { PopStatus, SimApiDeps } from './api/api-deps.js';
import { createApiFaultSlot } from './api/api-fault-slot.js';
import { vantageDeps } from './api/vantage-deps.js';
import { ADMIN_PREFIX, API_PREFIX, buildApi } from './api/build-api.js';
import { type DnsListeners, startDnsListeners } from './dns-listeners.js';
import { GroundTruth } from './ground-truth.js';
import { momentOf } from './moment.js';
import { PopInstance } from './pop-instance.js';
import { planNetwork } from './plan-network.js';
import { deriveSeed, mulberry32 } from './prng.js';
import { PropagationModel } from './propagation-model.js';
import { Propagator, UnknownPopError } from './propagator.js';
import { QueryRouter } from './query-router.js';
import { scheduleReroutes } from './reroutes.js';
import type { SimNetwork } from './sim-network.js';
import type { SimNetworkOptions } from './sim-options.js';
import { nsidPatternFor } from './topology.js';
import { VantageTable } from './vantage-table.js';
import { ZoneStore } from './zone-store.js';

export type { SimAnycastAddress, SimNetwork, SimPop } from './sim-network.js';

export async function startSimNetwork(options: SimNetworkOptions = {}): Promise<SimNetwork> {
  const plan = planNetwork(options);
  const { opts, pops: defs, anycast } = plan;
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  const truth = new GroundTruth();
  const store = new ZoneStore(opts.zone, opts.initialSerial, momentOf(clock));
  truth.recordCommit(store.latest);
  const model = new PropagationModel(defs, opts.propagation, opts.seed);
  const propagator = new Propagator({
    pops: defs,
    model,
    truth,
    clock,
    timeScale: opts.timeScale,
    latestVersion: () => store.latest.version,
  });
  propagator.start(store.latest);
  for (const [pop, fault] of Object.entries(opts.faults)) propagator.setFault(pop, fault);

  const nameservers: Nameserver[] = defs.map((def) => ({
    name: `${def.name.toLowerCase()}.ns.${opts.zone}`,
    address: def.address,
  }));
  const instances = new Map(
    defs.map((def) => [
      def.name,
      new PopInstance({
        def,
        context: (now) => ({
          zone: opts.zone,
          snapshot: store.snapshot(propagator.appliedVersion(def.name, now)),
          identity: def.nsid,
          nameservers,
        }),
        fault: () => propagator.faultOf(def.name),
        random: mulberry32(deriveSeed(opts.seed, `flaky:${def.name}`)),
        onError: (error) => logger?.debug({ pop: def.name, err: error }, 'bad DNS request'),
      }),
    ]),
  );
  const vantages = new VantageTable(plan.vantages, anycast, defs, clock, opts.seed);
  const answers = new AnswerLog(opts.answerLogSize);
  const router = new QueryRouter({
    vantages,
    instances,
    answers,
    clock,
    vantagesOnUnicast: opts.vantagesOnUnicast,
    maxPending: opts.maxPendingPerVantage,
    maxPendingBytes: opts.maxPendingBytesPerVantage,
    onError: (error) => logger?.error({ err: error }, 'bug in the query router'),
  });

  // History is kept for `historyVersions` versions, but never a version some
  // POP still answers from (a long-stuck POP). Forgetting runs in batches of a
  // tenth of the window, so its cost per commit stays constant.
  let forgottenBelow = 0;
  const forgetOldVersions = (latest: number) => {
    const cutoff = Math.min(latest - opts.historyVersions + 1, propagator.oldestAppliedVersion());
    if (cutoff - forgottenBelow < Math.ceil(opts.historyVersions / 10)) return;
    store.forgetBefore(cutoff);
    truth.forgetBefore(cutoff);
    propagator.forgetBefore(cutoff);
    forgottenBelow = cutoff;
  };

  let listeners: DnsListeners | undefined;
  const listPops = (): PopStatus[] =>
    defs.map((def, i) => {
      const version = propagator.appliedVersion(def.name);
      return {
        ...def,
        port: listeners?.unicastPorts[i] ?? def.port,
        fault: propagator.faultOf(def.name),
        appliedVersion: version,
        appliedSerial: store.snapshot(version).serial,
        counters: { ...instances.get(def.name)!.counters },
      };
    });
  const deps: SimApiDeps = {
    zone: opts.zone,
    zoneId: opts.zoneId,
    apiToken: opts.apiToken,
    adminToken: opts.adminToken,
    minTtl: opts.minTtl,
    store,
    commit: () => {
      const snapshot = store.commit(momentOf(clock));
      truth.recordCommit(snapshot);
      propagator.onCommit(snapshot);
      forgetOldVersions(snapshot.version);
      logger?.info({ version: snapshot.version, serial: snapshot.serial }, 'zone change committed');
      return snapshot;
    },
    listPops,
    setFault: (pop, fault) => propagator.setFault(pop, fault),
    apiFault: createApiFaultSlot(),
    truth,
    nameServers: nameservers.map((ns) => ns.name),
    vantages: vantageDeps(vantages, () => listeners?.anycast ?? [], opts.vantagesOnUnicast, logger),
    answers,
  };
  const app = buildApi(deps, logger ? { logger } : {});

  let cancelReroutes = () => {};
  const closeAll = async () => {
    propagator.close();
    router.close();
    cancelReroutes();
    await Promise.allSettled([app.close(), listeners?.close()]);
  };
  try {
    listeners = await startDnsListeners({
      pops: defs,
      anycast,
      anycastPort: opts.anycastPort,
      route: (request, via) => router.route(request, via),
      onUnicastError: (pop, error) => instances.get(pop)!.countError(error),
      onAnycastError: (name, error) => logger?.debug({ anycast: name, err: error }, 'DNS transport trouble'),
    });
    await app.listen({ host: opts.apiHost, port: opts.apiPort });
  } catch (error) {
    await closeAll();
    throw error;
  }
  cancelReroutes = scheduleReroutes(plan.scheduled, vantages, logger);
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.apiPort;
  const host = opts.apiHost.includes(':') ? `[${opts.apiHost}]` : opts.apiHost;
  const base = `http://${host}:${port}`;

  return {
    zone: opts.zone,
    zoneId: opts.zoneId,
    apiUrl: `${base}${API_PREFIX}`,
    adminUrl: `${base}${ADMIN_PREFIX}`,
    apiToken: opts.apiToken,
    adminToken: opts.adminToken,
    seed: opts.seed,
    timeScale: opts.timeScale,
    pops: defs.map((def, i) => ({
      name: def.name,
      region: def.region,
      address: def.address,
      port: listeners.unicastPorts[i]!,
      nsid: def.nsid,
    })),
    anycast: listeners.anycast.map(({ name, address, port }) => ({ name, address, port })),
    nsidPattern: nsidPatternFor(options.nsidTemplate),
    truth,
    answers,
    app,
    vantages: () => vantages.list(),
    reroute: (vantage, address, pop) => {
      const event = vantages.reroute(vantage, address, pop, 'call');
      logger?.info(event, 'catchment moved');
      return event;
    },
    reroutes: () => vantages.reroutes(),
    setFault: (pop, fault) => propagator.setFault(pop, fault),
    getFault: (pop) => propagator.faultOf(pop),
    setApiFault: (fault) => deps.apiFault.set(fault),
    plannedDelays: (version) => propagator.plannedDelays(version),
    latestVersion: () => ({
      version: store.latest.version,
      serial: store.latest.serial,
      committedAt: store.latest.committedAt,
    }),
    popStatus: listPops,
    close: closeAll,
  };
}

export { UnknownPopError };
