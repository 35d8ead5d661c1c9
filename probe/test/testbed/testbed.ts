/**
 * The real-server testbed: two write targets with real replication behind
 * them, all on loopback ports chosen at run time.
 *
 *   BIND primary (bind-primary) ── NOTIFY+IXFR ──> BIND secondary (bind-secondary)
 *        │                      └─ NOTIFY+IXFR ──> Knot secondary (knot-secondary)
 *        └─ SOA refresh only, no NOTIFY ─────────> BIND secondary (bind-lagging)
 *   Knot primary (knot-primary) ── NOTIFY+IXFR ──> BIND secondary (knot-primary-secondary)
 *
 * The primaries must name their secondaries' ports (also-notify / notify) and
 * the secondaries their primary's, so secondary ports are picked first; if one
 * of them is taken before its server binds it, everything is torn down and
 * started again on new ports.
 */
import { type DnsServer, startKnot, startNamed } from './dns-server.js';
import { freePort } from './free-port.js';
import { PortTakenError } from './server-process.js';
import type { TestKey } from './zone-file.js';

export interface TestbedOptions {
  bindZone: string;
  knotZone: string;
  keys: readonly TestKey[];
  /** SOA refresh of the BIND primary's zone: the lagging secondary's only way to learn of changes. */
  lagRefreshS: number;
}

export interface Testbed {
  bindPrimary: DnsServer;
  bindSecondary: DnsServer;
  knotSecondary: DnsServer;
  laggingSecondary: DnsServer;
  knotPrimary: DnsServer;
  knotPrimarySecondary: DnsServer;
  all(): DnsServer[];
  stop(): Promise<void>;
}

async function startAll(options: TestbedOptions, started: DnsServer[]): Promise<Testbed> {
  const keep = (server: DnsServer) => {
    started.push(server);
    return server;
  };
  const [bindSecondaryPort, knotSecondaryPort, knotPrimarySecondaryPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const timers = { refreshS: options.lagRefreshS, retryS: options.lagRefreshS };
  const bindPrimary = keep(
    await startNamed(
      {
        zone: options.bindZone,
        serverId: 'bind-primary',
        role: { kind: 'primary', keys: options.keys, notifyPorts: [bindSecondaryPort, knotSecondaryPort] },
      },
      { timers },
    ),
  );
  const knotPrimary = keep(
    await startKnot({
      zone: options.knotZone,
      nsid: 'knot-primary',
      role: { kind: 'primary', keys: options.keys, notifyPorts: [knotPrimarySecondaryPort] },
    }),
  );
  // Secondaries start in parallel (each waits for its first transfer); allSettled
  // so that on a failure every one that did start is known and stopped.
  const settled = await Promise.allSettled([
    startNamed(
      {
        zone: options.bindZone,
        serverId: 'bind-secondary',
        role: { kind: 'secondary', primaryPort: bindPrimary.port },
      },
      { port: bindSecondaryPort },
    ),
    startKnot(
      { zone: options.bindZone, nsid: 'knot-secondary', role: { kind: 'secondary', primaryPort: bindPrimary.port } },
      { port: knotSecondaryPort },
    ),
    startNamed({
      zone: options.bindZone,
      serverId: 'bind-lagging',
      role: { kind: 'secondary', primaryPort: bindPrimary.port, minRefreshS: 1 },
    }),
    startNamed(
      {
        zone: options.knotZone,
        serverId: 'knot-primary-secondary',
        role: { kind: 'secondary', primaryPort: knotPrimary.port },
      },
      { port: knotPrimarySecondaryPort },
    ),
  ]);
  for (const result of settled) if (result.status === 'fulfilled') keep(result.value);
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
  const [bindSecondary, knotSecondary, laggingSecondary, knotPrimarySecondary] = settled.map(
    (result) => (result as PromiseFulfilledResult<DnsServer>).value,
  ) as [DnsServer, DnsServer, DnsServer, DnsServer];
  const all = () => [bindPrimary, bindSecondary, knotSecondary, laggingSecondary, knotPrimary, knotPrimarySecondary];
  return {
    bindPrimary,
    bindSecondary,
    knotSecondary,
    laggingSecondary,
    knotPrimary,
    knotPrimarySecondary,
    all,
    stop: () => stopAll(started),
  };
}

async function stopAll(servers: readonly DnsServer[]): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
}

/** Starts every server of the testbed; call `stop()` in afterAll. */
export async function startTestbed(options: TestbedOptions): Promise<Testbed> {
  for (let attempt = 1; ; attempt++) {
    const started: DnsServer[] = [];
    try {
      return await startAll(options, started);
    } catch (error) {
      await stopAll(started);
      if (!(error instanceof PortTakenError) || attempt >= 3) throw error;
    }
  }
}
