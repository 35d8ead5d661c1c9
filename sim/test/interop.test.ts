/**
 * Interop with independent DNS clients: BIND's dig and Knot's kdig must
 * parse the sim's answers (AA, NSID, CHAOS, TC then TCP), and reach an
 * anycast address from a vantage's source (`-b 127.0.1.3`). In CI the tools
 * are required; elsewhere a missing tool skips its block with a warning.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimNetwork, type SimNetwork } from '../src/index.js';
import { call } from './api-client.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const which = (tool: string) =>
  (process.env.PATH ?? '/usr/bin').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const tools = { dig: which('dig'), kdig: which('kdig') };
for (const [tool, found] of Object.entries(tools)) {
  if (!found && !process.env.CI)
    console.warn(`interop: ${tool} not found on PATH, its tests are skipped (install bind9-dnsutils / knot-dnsutils)`);
}

// Defined only in CI, where a missing tool must fail the run rather than skip.
if (process.env.CI) {
  it('CI has dig and kdig installed', () => {
    expect(tools).toEqual({ dig: true, kdig: true });
  });
}

let net: SimNetwork;
let target: string[];
const CANARY = 'p1._propwatch.propwatch.test';
const BIG = 'big.propwatch.test';
beforeAll(async () => {
  if (!tools.dig && !tools.kdig) return;
  net = await startSimNetwork({ pops: 1, timeScale: 0 });
  const post = (name: string, content: string) =>
    call(`${net.apiUrl}/zones/${net.zoneId}/dns_records`, net.apiToken, 'POST', {
      type: 'TXT',
      name,
      content,
      ttl: 60,
    });
  await post(CANARY, 'propwatch=1 serial=77 probe=p1');
  for (let i = 0; i < 4; i++) await post(BIG, `${i}`.repeat(1500));
  await waitFor(() => net.popStatus()[0]!.appliedVersion === 5, 'version 5 applied');
  target = [`@${net.pops[0]!.address}`, '-p', String(net.pops[0]!.port)];
});
afterAll(() => net?.close());

const digLike =
  (tool: 'dig' | 'kdig') =>
  async (...args: string[]) =>
    (await run(tool, [...target, '+norec', '+time=2', '+retry=0', ...args], { timeout: 10_000 })).stdout;

for (const tool of ['dig', 'kdig'] as const) {
  describe.skipIf(!tools[tool] && !process.env.CI)(`${tool} against a POP`, () => {
    const query = digLike(tool);
    const flagsLine = (out: string) => /;; flags: ([a-z ]+);/i.exec(out)?.[1]?.toLowerCase().split(' ') ?? [];

    for (const transport of ['udp', 'tcp']) {
      it(`${transport}: NOERROR, aa, the canary TXT and the NSID`, async () => {
        const out = await query('+nsid', ...(transport === 'tcp' ? ['+tcp'] : []), 'TXT', CANARY);
        expect(out).toMatch(/status: NOERROR/);
        expect(flagsLine(out)).toContain('aa');
        expect(flagsLine(out)).not.toContain('rd');
        expect(out).toContain('"propwatch=1 serial=77 probe=p1"');
        expect(out).toMatch(/NSID: .*sjc1\.sim\.propwatch/);
      });
    }

    it('CHAOS TXT id.server and hostname.bind name the POP', async () => {
      for (const name of ['id.server', 'hostname.bind']) {
        expect((await query('+short', 'CH', 'TXT', name)).trim()).toBe('"sjc1.sim.propwatch"');
      }
    });

    it('TC over UDP with a 512-byte buffer, then the full answer over TCP', async () => {
      const truncated = await query('+bufsize=512', '+ignore', '+nsid', 'TXT', BIG);
      expect(flagsLine(truncated)).toContain('tc');
      // The truncated answer keeps its OPT record (RFC 6891 §7), NSID included.
      expect(truncated).toMatch(/NSID: .*sjc1\.sim\.propwatch/);
      const retried = await query('+bufsize=512', 'TXT', BIG);
      expect(flagsLine(retried)).not.toContain('tc');
      expect(retried.match(/\tTXT\t/g) ?? []).toHaveLength(4);
    });

    it('NXDOMAIN with the SOA in authority for an absent name', async () => {
      const out = await query('TXT', 'absent.propwatch.test');
      expect(out).toMatch(/status: NXDOMAIN/);
      expect(out).toMatch(/AUTHORITY SECTION:\s*\npropwatch\.test\.\s+\d+\s+IN\s+SOA/);
    });
  });
}

let anycastNet: SimNetwork;
beforeAll(async () => {
  if (!tools.dig && !tools.kdig) return;
  anycastNet = await startSimNetwork({ timeScale: 0, seed: 2 });
});
afterAll(() => anycastNet?.close());

for (const tool of ['dig', 'kdig'] as const) {
  describe.skipIf(!tools[tool] && !process.env.CI)(`${tool} against an anycast address`, () => {
    const ask = async (source: string, via: 'ns1' | 'ns2', ...args: string[]) => {
      const { address, port } = anycastNet.anycast.find((a) => a.name === via)!;
      const argv = ['-b', source, `@${address}`, '-p', String(port), '+norec', '+nsid', '+time=3', '+retry=0'];
      return (await run(tool, [...argv, ...args, 'SOA', anycastNet.zone], { timeout: 10_000 })).stdout;
    };

    for (const transport of ['udp', 'tcp']) {
      it(`${transport}: the NSID names the POP of the source's vantage catchment`, async () => {
        const extra = transport === 'tcp' ? ['+tcp'] : [];
        // me-central (127.0.1.3) reaches LHR through ns1 and AMS through ns2; ap-south (127.0.1.5) SIN and NRT.
        expect(await ask('127.0.1.3', 'ns1', ...extra)).toMatch(/NSID: .*lhr1\.sim\.propwatch/);
        expect(await ask('127.0.1.3', 'ns2', ...extra)).toMatch(/NSID: .*ams1\.sim\.propwatch/);
        expect(await ask('127.0.1.5', 'ns2', ...extra)).toMatch(/NSID: .*nrt1\.sim\.propwatch/);
        // Any other source is the default vantage: ns1 → SJC.
        const out = await ask('127.0.0.1', 'ns1', ...extra);
        expect(out).toMatch(/status: NOERROR/);
        expect(out).toMatch(/NSID: .*sjc1\.sim\.propwatch/);
      });
    }

    it('the sim saw each query from its vantage and answered it no earlier than its RTT', async () => {
      const since = anycastNet.answers.recorded;
      await ask('127.0.1.4', 'ns1');
      const [answer] = anycastNet.answers.list({ since, vantage: 'sa-east' }).answers;
      expect(answer).toMatchObject({ via: 'ns1', pop: 'MIA', source: '127.0.1.4' });
      expect(answer!.sentAt.monotonicMs - answer!.receivedAt.monotonicMs).toBeGreaterThanOrEqual(150);
    });
  });
}
