/** createProbe's wiring: discovered target names the aggregator accepts, and which metrics it collects. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDENTIFIER_PATTERN } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import { type CheckedProbeConfig, loadProbeConfig } from '../src/config.js';
import { createProbe } from '../src/create-probe.js';
import { RRClass, RRType } from '@propwatch/dns';
import type { Discovery } from '../src/querier/index.js';
import { startRawResponder } from './dns-fixtures.js';
import { refusedUrl, startReplica } from './helpers/replicas.js';
import { report, until } from './helpers/report-stub.js';

function configWith(values: Record<string, unknown> = {}): CheckedProbeConfig {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-create-probe-'));
  return loadProbeConfig({
    values: {
      probe: { id: 'p1' },
      zone: 'example.com',
      writer: { kind: 'cloudflare', cloudflare: { apiToken: 'cf-token-123456', zoneId: 'z1' } },
      discovery: { enabled: true, resolverAddress: '127.0.0.1', resolverPort: 5399 },
      stateDir: join(dir, 'state'),
      report: { spoolDir: join(dir, 'spool') },
      ...values,
    },
  }).config;
}

const longHost = 'fra1.anycast-nameservers.some-very-long-provider-name.example.com';
const discovery: Discovery = {
  ok: true,
  warnings: [],
  targets: [
    { name: longHost, address: '192.0.2.1', port: 53, family: 4 },
    { name: longHost, address: '2001:db8::1', port: 53, family: 6 },
    { name: 'lhr.ns.example.com', address: '192.0.2.2', port: 53, family: 4 },
    { name: 'lhr.ns.example.com', address: '192.0.2.3', port: 53, family: 4 },
  ],
};

describe('createProbe', () => {
  it('names discovered targets so every name passes the wire identifier pattern, uniquely', async () => {
    const probe = createProbe(configWith(), { discover: async () => discovery });
    try {
      const targets = await probe.resolveTargets();
      const names = targets.map((t) => t.name);
      expect(names).toContain('lhr.ns.example.com');
      expect(names).toContain('lhr.ns.example.com-2');
      expect(new Set(names).size).toBe(4);
      for (const name of names) expect(name).toMatch(new RegExp(IDENTIFIER_PATTERN));
    } finally {
      await probe.close();
    }
  });

  it('rotates UDP source ports by query.maxQueriesPerSocket and counts the rotations in /metrics', async () => {
    const server = await startRawResponder('127.0.0.1', (msg, rinfo, { socket }) => {
      const answer = Buffer.from(msg);
      answer[2] = answer[2]! | 0x84; // QR=1, AA=1: our own question back, NODATA
      socket.send(answer, rinfo.port, rinfo.address);
    });
    const probe = createProbe(configWith({ query: { maxQueriesPerSocket: 4, maxSocketAgeMs: 0 } }));
    try {
      for (let i = 0; i < 100; i++)
        expect(
          (
            await probe.querier.query(
              { address: server.address, port: server.port },
              { name: 'p1._propwatch.example.com', type: RRType.TXT, class: RRClass.IN },
            )
          ).kind,
        ).toBe('answer');
      // 4 sockets (one per slot) each send 2–4 queries before the next takes over: at least 25 ports for 100 queries.
      expect(new Set(server.received.map((r) => r.rinfo.port)).size).toBeGreaterThanOrEqual(25);
      const text = await probe.metrics.registry.metrics();
      const rotations = Number(/^propwatch_probe_udp_socket_rotations_total (\d+)$/m.exec(text)?.[1]);
      expect(rotations).toBe(probe.querier.stats().sockets.rotated);
      expect(rotations).toBeGreaterThanOrEqual(20);
      expect(text).toMatch(/^propwatch_probe_udp_socket_bind_failures_total 0$/m);
      expect(Number(/^propwatch_probe_udp_sockets_open (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(1);
    } finally {
      await probe.close();
      await server.close();
    }
  });

  it('sends reports to report.urls with failover and shows it in /metrics, by URL index', async () => {
    const replica = await startReplica();
    const urls = [new URL(await refusedUrl()).origin, new URL(replica.url).origin];
    const probe = createProbe(configWith({ report: { urls, token: 'probe-token-1', preferFirstAfterMs: 0 } }));
    try {
      const before = await probe.metrics.registry.metrics();
      expect(before).toContain('propwatch_probe_report_failovers_total{from="0",to="1"} 0');
      expect(before).toMatch(/^propwatch_probe_report_endpoint_index 0$/m);
      probe.reporter!.start();
      probe.reporter!.submit(report(1));
      await until(() => replica.bodies.length === 1 && probe.reporter!.spool.size === 0);
      const after = await probe.metrics.registry.metrics();
      expect(after).toContain('propwatch_probe_report_failovers_total{from="0",to="1"} 1');
      expect(after).toContain('propwatch_probe_report_failovers_total{from="1",to="0"} 0');
      expect(after).toMatch(/^propwatch_probe_report_endpoint_index 1$/m);
    } finally {
      await probe.close();
      await replica.close();
    }
  });

  it('collects process metrics only when /metrics is served', async () => {
    const quiet = createProbe(configWith());
    const served = createProbe(configWith({ metrics: { port: 0 } }));
    try {
      expect(await quiet.metrics.registry.metrics()).not.toContain('process_cpu_user_seconds_total');
      expect(await served.metrics.registry.metrics()).toContain('process_cpu_user_seconds_total');
    } finally {
      await quiet.close();
      await served.close();
    }
  });
});
