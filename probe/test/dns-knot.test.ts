/**
 * Interop with a real authoritative server (Knot DNS): NSID, CHAOS identity,
 * SOA/NS/glue decoding and TC=1 → TCP as a production server does them, not
 * as our own encoder or dns2 imagine them. Knot is required in CI; elsewhere a
 * missing knotd skips with the reason printed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RRClass, RRType } from '@propwatch/dns';
import { checkCanary, discoverTargets, identifyByChaos, Querier } from '../src/querier/index.js';

const ZONE = 'interop.test';
const SERIAL = 1_700_000_000_000n;
const missing = spawnSync('knotd', ['--version']).error ? 'knotd is not installed (Debian package knot)' : undefined;
if (missing && !process.env.CI) console.warn(`skipping Knot interop tests: ${missing}`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(missing !== undefined && !process.env.CI)('querier against Knot DNS', () => {
  let dir: string;
  let knot: ChildProcess;
  let querier: Querier;
  let target: { address: string; port: number };

  beforeAll(async () => {
    if (missing) throw new Error(`Knot DNS is required in CI: ${missing}`);
    dir = mkdtempSync(join(tmpdir(), 'propwatch-dns-knot-'));
    const port = await freePort();
    const filler = Array.from({ length: 40 }, (_, i) => `big TXT "filler ${i} ${'x'.repeat(80)}"`);
    writeFileSync(
      join(dir, `${ZONE}.zone`),
      [
        `$ORIGIN ${ZONE}.`,
        '$TTL 5',
        '@ SOA ns1 hostmaster 7 60 60 600 5',
        '@ NS ns1',
        'ns1 A 127.0.0.1',
        'ns1 AAAA ::1',
        `p1._propwatch TXT "propwatch=1 serial=${SERIAL} probe=p1"`,
        ...filler,
        `big TXT "propwatch=1 serial=${SERIAL} probe=p1"`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'knot.conf'),
      [
        'server:',
        `  listen: 127.0.0.1@${port}`,
        '  nsid: knot-lhr-1',
        '  identity: knot-id-1',
        `  rundir: ${dir}`,
        'database:',
        `  storage: ${dir}`,
        'log:',
        '  - target: stderr',
        '    any: error',
        'zone:',
        `  - domain: ${ZONE}`,
        `    file: ${join(dir, `${ZONE}.zone`)}`,
        '',
      ].join('\n'),
    );
    knot = spawn('knotd', ['-c', join(dir, 'knot.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
    querier = new Querier({ bind: { v4: '127.0.0.1' }, timeoutMs: 1000 });
    target = { address: '127.0.0.1', port };
    for (let i = 0; i < 100; i++) {
      const soa = await querier.query(target, { name: ZONE, type: RRType.SOA, class: RRClass.IN }, { timeoutMs: 100 });
      if (soa.kind === 'answer') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`knotd did not answer on 127.0.0.1#${port}`);
  });
  afterAll(async () => {
    querier?.close();
    if (knot && knot.exitCode === null) {
      // knotd writes into its rundir until it has exited; remove the directory only then.
      const exited = new Promise((resolve) => knot.once('exit', resolve));
      knot.kill('SIGTERM');
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('decodes its SOA answer and the NSID from the same packet', async () => {
    const result = await querier.query(target, { name: ZONE, type: RRType.SOA, class: RRClass.IN });
    expect(result).toMatchObject({ kind: 'answer', nsid: 'knot-lhr-1', transport: 'udp' });
    if (result.kind !== 'answer') return;
    expect(result.message.header).toMatchObject({ aa: true, rcode: 0 });
    expect(result.message.answers[0]!.data).toMatchObject({
      kind: 'soa',
      mname: `ns1.${ZONE}`,
      rname: `hostmaster.${ZONE}`,
      serial: 7,
    });
  });

  it('sees the canary as a hit and a missing name as NXDOMAIN', async () => {
    expect(
      await checkCanary(querier, target, { name: `p1._propwatch.${ZONE}`, serial: SERIAL, probeId: 'p1' }),
    ).toMatchObject({ kind: 'hit', servedSerial: SERIAL, nsid: 'knot-lhr-1' });
    expect(
      await checkCanary(querier, target, { name: `p2._propwatch.${ZONE}`, serial: SERIAL, probeId: 'p2' }),
    ).toMatchObject({ kind: 'miss', why: 'nxdomain' });
  });

  it('falls back to TCP for an RRset over the payload size', async () => {
    expect(await checkCanary(querier, target, { name: `big.${ZONE}`, serial: SERIAL, probeId: 'p1' })).toMatchObject({
      kind: 'hit',
      transport: 'tcp',
    });
  });

  it('reads the CHAOS identity', async () => {
    expect(await identifyByChaos(querier, target)).toMatchObject({ kind: 'identified', identity: 'knot-id-1' });
  });

  it('discovers the NS host from its glue', async () => {
    expect(await discoverTargets(querier, { zone: ZONE, resolver: target })).toEqual({
      ok: true,
      warnings: [],
      targets: [
        { name: `ns1.${ZONE}`, address: '127.0.0.1', port: 53, family: 4 },
        { name: `ns1.${ZONE}`, address: '::1', port: 53, family: 6 },
      ],
    });
  });
});
