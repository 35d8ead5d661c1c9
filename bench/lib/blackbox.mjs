/**
 * Prometheus blackbox_exporter (Debian package prometheus-blackbox-exporter)
 * on a loopback port, with one DNS module per (canary name, serial) so that
 * `validate_answer_rrs` can check "serial ≥ the one written" — the serials
 * are chosen before the exporter starts, so it never needs a reload.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep, stopChild } from './proc.mjs';
import { serialAtLeastPattern } from './serial-regexp.mjs';

export const BLACKBOX_BIN = '/usr/bin/prometheus-blackbox-exporter';

/**
 * YAML for modules `{id, name, serial, sourceIp?}` (`sourceIp`: the local address queries leave from, which
 * tells the sim's vantages apart); JSON is valid YAML, so no YAML writer is needed.
 */
export function blackboxConfig(modules) {
  const entries = modules.map(({ id, name, serial, sourceIp }) => [
    id,
    {
      prober: 'dns',
      timeout: '2s',
      dns: {
        query_name: name,
        query_type: 'TXT',
        transport_protocol: 'udp',
        preferred_ip_protocol: 'ip4',
        recursion_desired: false,
        ...(sourceIp ? { source_ip_address: sourceIp } : {}),
        valid_rcodes: ['NOERROR'],
        validate_answer_rrs: { fail_if_none_matches_regexp: [serialAtLeastPattern(serial)] },
      },
    },
  ]);
  return JSON.stringify({ modules: Object.fromEntries(entries) }, null, 1);
}

export async function startBlackbox(modules) {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-blackbox-'));
  const file = join(dir, 'blackbox.yml');
  writeFileSync(file, blackboxConfig(modules));
  const port = await freePort();
  const child = spawn(
    BLACKBOX_BIN,
    [`--config.file=${file}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      if ((await fetch(`${url}/-/healthy`)).ok) return { url, stop, pid: child.pid };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`blackbox_exporter did not become healthy on ${url} within 5 s (config ${file})`);
}

/** One scrape of `/probe`, as Prometheus would do it: true when probe_success is 1. */
export async function scrapeBlackbox(url, module, target) {
  const response = await fetch(
    `${url}/probe?module=${encodeURIComponent(module)}&target=${encodeURIComponent(target)}`,
    { signal: globalThis.AbortSignal.timeout(5000) },
  );
  const text = await response.text();
  return response.ok && /^probe_success 1$/m.test(text);
}
