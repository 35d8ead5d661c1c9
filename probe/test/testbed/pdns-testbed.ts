/**
 * PowerDNS as the write target, with real replication behind it:
 *
 *   PowerDNS primary (pdns-primary, gsqlite3, TSIG updates) ── NOTIFY+AXFR ──> BIND secondary (pdns-bind-secondary)
 *
 * The primary must name the secondary's port (also-notify) and the secondary
 * the primary's, so the secondary's port is picked first; if it is taken
 * before BIND binds it, both are stopped and started again on new ports.
 */
import { type DnsServer, startNamed } from './dns-server.js';
import { freePort } from './free-port.js';
import { startPdns } from './pdns-server.js';
import { PortTakenError } from './server-process.js';
import type { TestKey } from './zone-file.js';

export interface PdnsTestbed {
  primary: DnsServer;
  secondary: DnsServer;
  stop(): Promise<void>;
}

async function startBoth(zone: string, keys: readonly TestKey[], started: DnsServer[]): Promise<PdnsTestbed> {
  const secondaryPort = await freePort();
  const primary = await startPdns({ zone, serverId: 'pdns-primary', keys, notifyPorts: [secondaryPort] });
  started.push(primary);
  const secondary = await startNamed(
    { zone, serverId: 'pdns-bind-secondary', role: { kind: 'secondary', primaryPort: primary.port } },
    { port: secondaryPort },
  );
  started.push(secondary);
  return { primary, secondary, stop: () => stopAll(started) };
}

async function stopAll(servers: readonly DnsServer[]): Promise<void> {
  await Promise.all(servers.map((server) => server.stop()));
}

/** Starts the PowerDNS primary and its BIND secondary; call `stop()` in afterAll. */
export async function startPdnsTestbed(zone: string, keys: readonly TestKey[]): Promise<PdnsTestbed> {
  for (let attempt = 1; ; attempt++) {
    const started: DnsServer[] = [];
    try {
      return await startBoth(zone, keys, started);
    } catch (error) {
      await stopAll(started);
      if (!(error instanceof PortTakenError) || attempt >= 3) throw error;
    }
  }
}
