/**
 * startSimNetwork(): wires the zone store, propagation model, POP servers,
 * ground truth and HTTP API into one running simulated anycast network.
 */
import { systemClock } from '@propwatch/shared';
import type { FastifyInstance } from 'fastify';
import type { Nameserver } from './answer-query.js';
import type { ApiFault, PopStatus, SimApiDeps } from './api/api-deps.js';
import { ADMIN_PREFIX, API_PREFIX, buildApi } from './api/build-api.js';
import type { PopFault } from './faults.js';
import { GroundTruth } from './ground-truth.js';
import { type Moment, momentOf } from './moment.js';
import { PopServer } from './pop-server.js';
import { deriveSeed, mulberry32 } from './prng.js';
import { PropagationModel } from './propagation-model.js';
import { type PlannedDelay, Propagator, UnknownPopError } from './propagator.js';
import { type SimNetworkOptions, resolveSimOptions } from './sim-options.js';
import { resolvePops } from './topology.js';
import { ZoneStore } from './zone-store.js';

/** A POP as other processes reach it. */
export interface SimPop {
  name: string;
  region: string;
  address: string;
  /** Same port for UDP and TCP. */
  port: number;
  nsid: string;
}

export interface SimNetwork {
  zone: string;
  zoneId: string;
  /** Base URL of the Cloudflare v4 subset, e.g. `http://127.0.0.1:PORT/client/v4`. */
  apiUrl: string;
  adminUrl: string;
  apiToken: string;
  adminToken: string;
  seed: number;
  timeScale: number;
  pops: SimPop[];
  truth: GroundTruth;
  /** The fastify app, for app.inject() in tests. */
  app: FastifyInstance;
  setFault(pop: string, fault: PopFault | null): void;
  getFault(pop: string): PopFault | null;
  setApiFault(fault: ApiFault | null): void;
  /** Model delays scheduled for a version (ms, already scaled). */
  plannedDelays(version: number): ReadonlyMap<string, PlannedDelay> | undefined;
  latestVersion(): { version: number; serial: number; committedAt: Moment };
  popStatus(): PopStatus[];
  close(): Promise<void>;
}

export async function startSimNetwork(options: SimNetworkOptions = {}): Promise<SimNetwork> {
  const opts = resolveSimOptions(options);
  const defs = resolvePops(options);
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
  const servers = defs.map(
    (def) =>
      new PopServer({
        def,
        context: () => ({
          zone: opts.zone,
          snapshot: store.snapshot(propagator.appliedVersion(def.name)),
          identity: def.nsid,
          nameservers,
        }),
        fault: () => propagator.faultOf(def.name),
        random: mulberry32(deriveSeed(opts.seed, `flaky:${def.name}`)),
        onError: (error) => logger?.debug({ pop: def.name, err: error }, 'bad DNS request'),
      }),
  );

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

  let apiFault: ApiFault | null = null;
  const listPops = (): PopStatus[] =>
    defs.map((def, i) => {
      const version = propagator.appliedVersion(def.name);
      return {
        ...def,
        port: servers[i]!.port,
        fault: propagator.faultOf(def.name),
        appliedVersion: version,
        appliedSerial: store.snapshot(version).serial,
        counters: { ...servers[i]!.counters },
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
    apiFault: {
      get: () => apiFault,
      set: (fault) => (apiFault = fault ? { ...fault } : null),
      take: () => {
        if (!apiFault) return null;
        const taken = { ...apiFault };
        apiFault = apiFault.count > 1 ? { ...apiFault, count: apiFault.count - 1 } : null;
        return taken;
      },
    },
    truth,
    nameServers: nameservers.map((ns) => ns.name),
  };
  const app = buildApi(deps, logger ? { logger } : {});

  const closeAll = async () => {
    propagator.close();
    await Promise.allSettled([app.close(), ...servers.map((server) => server.close())]);
  };
  try {
    await Promise.all(servers.map((server) => server.start()));
    await app.listen({ host: opts.apiHost, port: opts.apiPort });
  } catch (error) {
    await closeAll();
    throw error;
  }
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
      port: servers[i]!.port,
      nsid: def.nsid,
    })),
    truth,
    app,
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
