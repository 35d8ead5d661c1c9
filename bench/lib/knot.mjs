/**
 * A throwaway Knot DNS server (Debian package `knot`) on a loopback port with
 * a tiny zone, run from a temp dir and removed on stop.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, runCommand, sleep, stopChild } from './proc.mjs';

export const KNOT_ZONE = 'propwatch.test';
export const KNOT_CANARY = 'p1._propwatch.propwatch.test';

export async function startKnot() {
  const dir = mkdtempSync(join(tmpdir(), 'propwatch-bench-knot-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'zone'),
    [
      '$ORIGIN propwatch.test.',
      '$TTL 60',
      '@ SOA ns1 hostmaster 1 60 60 600 5',
      '@ NS ns1',
      'ns1 A 127.0.0.1',
      `${KNOT_CANARY}. TXT "propwatch=1 serial=1 probe=p1"`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'knot.conf'),
    [
      'server:',
      `  listen: 127.0.0.1@${port}`,
      '  nsid: bench-knot',
      `  rundir: ${dir}`,
      'database:',
      `  storage: ${dir}`,
      'log:',
      '  - target: stderr',
      '    any: error',
      'zone:',
      `  - domain: ${KNOT_ZONE}`,
      `    file: ${join(dir, 'zone')}`,
      '',
    ].join('\n'),
  );
  const child = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when it answers the SOA (bounded: 50 × 100 ms).
  for (let attempt = 0; attempt < 50; attempt++) {
    const { stdout } = await runCommand(
      'dig',
      [`@127.0.0.1`, '-p', String(port), '+norec', '+short', '+time=1', '+tries=1', 'SOA', KNOT_ZONE],
      { timeoutMs: 3000 },
    );
    if (stdout.trim()) return { address: '127.0.0.1', port, pid: child.pid, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`knotd did not answer on 127.0.0.1#${port} within 5 s`);
}
