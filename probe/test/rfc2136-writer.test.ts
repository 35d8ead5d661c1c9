/**
 * The rfc2136 writer end to end over real loopback sockets against a
 * scripted responder that signs with our TSIG code: success, every named
 * failure, tampered and spoofed answers, TC fallback, retries, abort.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { TsigKey } from '@propwatch/dns';
import { createRfc2136Writer, type Rfc2136Config } from '../src/writers/rfc2136/index.js';
import type { WriteResult } from '../src/writers/writer.js';
import {
  buildResponse,
  startResponder,
  updateOwners,
  type Handler,
  type Responder,
} from './fixtures/rfc2136/test-responder.js';

const SECRET = Buffer.alloc(32, 7).toString('base64');
const KEY: TsigKey = { name: 'probe-key', algorithm: 'hmac-sha256', secret: Buffer.from(SECRET, 'base64') };
const NOW_MS = 1_730_000_000_000;
const NOW_S = NOW_MS / 1000;
const CHANGE = {
  zone: 'example.test',
  name: 'lhr-1._propwatch.example.test',
  content: 'propwatch=1 serial=42 probe=lhr-1',
  ttl: 30,
};

let responder: Responder | undefined;
afterEach(async () => {
  await responder?.close();
  responder = undefined;
});

async function writeWith(
  handler: Handler,
  overrides: Partial<Rfc2136Config> = {},
  signal?: AbortSignal,
  host = '127.0.0.1',
): Promise<WriteResult> {
  responder = await startResponder(handler, host);
  const config: Rfc2136Config = {
    server: host,
    port: responder.port,
    transport: 'udp',
    timeoutMs: 1000,
    retries: 0,
    tsig: { name: KEY.name, algorithm: 'hmac-sha256', secret: SECRET },
    ...overrides,
  };
  const writer = createRfc2136Writer(config, { wallClockMs: () => NOW_MS });
  const result = await writer.write(CHANGE, signal);
  if (!result.ok) expect(result.error).not.toContain(SECRET);
  return result;
}

const answer =
  (spec: Omit<Parameters<typeof buildResponse>[1], 'timeSigned'> = {}): Handler =>
  (request) =>
    buildResponse(request, { key: KEY, timeSigned: NOW_S, ...spec });

describe('rfc2136 writer', () => {
  it('sends a TSIG-signed UPDATE for the canary and accepts a signed NOERROR', async () => {
    const result = await writeWith(answer());
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.ackAt).toBeGreaterThan(0);
    expect(result.submitToAckMs).toBeGreaterThanOrEqual(0);
    expect(updateOwners(responder!.requests[0]!.message).slice(0, 2)).toEqual([CHANGE.name, CHANGE.name]);
  });

  it('works over IPv6 loopback, whatever way the address is written', async () => {
    expect(await writeWith(answer(), {}, undefined, '::1')).toMatchObject({ ok: true });
    await responder?.close();
    expect(await writeWith(answer(), { server: '0:0:0:0:0:0:0:1' }, undefined, '::1')).toMatchObject({ ok: true });
  });

  it.each([
    [
      5,
      'REFUSED',
      'REFUSED (signed): the server at 127.0.0.1 accepted key "probe-key" and refused to let it update lhr-1._propwatch.example.test: BIND: grant it in update-policy (or allow-update); PowerDNS: name it in the zone\'s TSIG-ALLOW-DNSUPDATE metadata',
      false,
    ],
    [
      9,
      'NOTAUTH',
      'NOTAUTH (signed): the server at 127.0.0.1 accepted key "probe-key" but is not authoritative for example.test',
      false,
    ],
    [10, 'NOTZONE', 'NOTZONE (signed): lhr-1._propwatch.example.test is not inside zone example.test', false],
    [2, 'SERVFAIL', 'SERVFAIL (signed): the server at 127.0.0.1 failed to apply the update', true],
    [1, 'FORMERR', 'FORMERR (signed): the server at 127.0.0.1 could not parse the update', false],
    [8, 'NXRRSET', 'NXRRSET (signed): prerequisite failed', false],
  ])('a signed rcode %i is %s with a readable reason', async (rcode, code, text, retryable) => {
    const result = await writeWith(answer({ rcode }));
    expect(result).toMatchObject({ ok: false, code, retryable });
    expect(!result.ok && result.error).toContain(text);
  });

  it.each([
    [
      5,
      'REFUSED',
      'REFUSED (unsigned): the server at 127.0.0.1 refused the update of lhr-1._propwatch.example.test without signing its answer, so it may not have accepted key "probe-key" (hmac-sha256) at all. PowerDNS answers this for an unknown key, a wrong secret or a wrong algorithm; BIND and Knot report those as TSIG errors (BADKEY, BADSIG) and sign a policy refusal. The server\'s log names the cause',
    ],
    [
      9,
      'NOTAUTH',
      'NOTAUTH (unsigned): the server at 127.0.0.1 is not authoritative for example.test (Knot answers a zone it does not serve so), or did not accept key "probe-key" and gave no TSIG error; check the zone setting, the key and the server\'s log',
    ],
  ])('an unsigned rcode %i is %s, worded by what an unsigned answer can mean', async (rcode, code, text) => {
    const result = await writeWith((request) => buildResponse(request, { rcode, timeSigned: NOW_S }));
    expect(result).toMatchObject({ ok: false, code, retryable: false });
    expect(!result.ok && result.error).toBe(text);
  });

  it.each([
    [17, 'BADKEY', 'NOTAUTH (TSIG error BADKEY): the server has no key "probe-key" with algorithm hmac-sha256'],
    [16, 'BADSIG', 'NOTAUTH (TSIG error BADSIG): the server knows key "probe-key" but our MAC did not verify'],
  ])('TSIG error %i in an unsigned NOTAUTH answer is %s', async (tsigError, code, text) => {
    const result = await writeWith(answer({ rcode: 9, tsigError, omitMac: true }));
    expect(result).toMatchObject({ ok: false, code, retryable: false });
    expect(!result.ok && result.error).toContain(text);
  });

  it('BADTIME reports the server time from other data and the skew', async () => {
    const other = Buffer.alloc(6);
    other.writeUIntBE(NOW_S - 3600, 0, 6);
    const result = await writeWith(answer({ rcode: 9, tsigError: 18, other }));
    expect(result).toMatchObject({ ok: false, code: 'BADTIME' });
    expect(!result.ok && result.error).toContain(
      'server time is 2024-10-27T02:33:20Z, ours is 2024-10-27T03:33:20Z: clock skew 3600 s exceeds the fudge of 300 s',
    );
  });

  it('rejects a signed answer whose time is outside the fudge window', async () => {
    const result = await writeWith((request) => buildResponse(request, { key: KEY, timeSigned: NOW_S - 301 }));
    expect(result).toMatchObject({ ok: false, code: 'BADTIME' });
  });

  it.each<[string, Handler]>([
    ['an unsigned NOERROR', (request) => buildResponse(request, { timeSigned: NOW_S })],
    [
      'a tampered NOERROR',
      (request) => {
        const response = buildResponse(request, { key: KEY, timeSigned: NOW_S });
        response[3]! |= 0x04; // flip AA: any changed bit must break the MAC
        return response;
      },
    ],
    [
      'a NOERROR signed with another secret',
      (request) => buildResponse(request, { key: { ...KEY, secret: Buffer.alloc(32, 9) }, timeSigned: NOW_S }),
    ],
    [
      'a NOERROR signed with another key name',
      (request) => buildResponse(request, { key: { ...KEY, name: 'other-key' }, timeSigned: NOW_S }),
    ],
    [
      'a NOERROR signed with another algorithm',
      (request) => buildResponse(request, { key: { ...KEY, algorithm: 'hmac-sha512' }, timeSigned: NOW_S }),
    ],
    [
      'a NOERROR answering a different request MAC',
      (request) => {
        const other = Buffer.from(request);
        other[other.length - 10]! ^= 0xff; // inside the request MAC
        const response = buildResponse(other, { key: KEY, timeSigned: NOW_S });
        return response;
      },
    ],
  ])('fails on %s: response TSIG did not verify', async (_label, handler) => {
    const result = await writeWith(handler);
    expect(result).toMatchObject({ ok: false, code: 'TSIG_VERIFY' });
    expect(!result.ok && result.error).toMatch(/^response TSIG did not verify/);
  });

  it('ignores answers from another port or with another ID, then accepts the real one', async () => {
    const spoofer = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => spoofer.bind(0, '127.0.0.1', resolve));
    const result = await writeWith((request, _via, client) => {
      const good = buildResponse(request, { key: KEY, timeSigned: NOW_S });
      // Either decoy, if accepted, would fail the write (unsigned / wrong ID).
      const unsigned = buildResponse(request, { timeSigned: NOW_S });
      const wrongId = Buffer.from(good);
      wrongId.writeUInt16BE((good.readUInt16BE(0) + 1) & 0xffff, 0);
      spoofer.send(unsigned, client.port, client.address, () =>
        responder!.udp.send(wrongId, client.port, client.address, () =>
          responder!.udp.send(good, client.port, client.address),
        ),
      );
      return undefined;
    });
    spoofer.close();
    expect(result.ok).toBe(true);
  });

  it('falls back to TCP when the UDP answer is truncated', async () => {
    const result = await writeWith((request, via) =>
      buildResponse(request, { key: KEY, timeSigned: NOW_S, tc: via === 'udp', rcode: via === 'udp' ? 2 : 0 }),
    );
    expect(result.ok).toBe(true);
    expect(responder!.requests.map((r) => r.via)).toEqual(['udp', 'tcp']);
  });

  it('uses only TCP when configured', async () => {
    const result = await writeWith(answer(), { transport: 'tcp' });
    expect(result.ok).toBe(true);
    expect(responder!.requests.map((r) => r.via)).toEqual(['tcp']);
  });

  it('retries after timeouts, up to the configured number, with the same signed bytes', async () => {
    let calls = 0;
    const result = await writeWith(
      (request) => (++calls < 3 ? undefined : buildResponse(request, { key: KEY, timeSigned: NOW_S })),
      { retries: 2, timeoutMs: 100 },
    );
    expect(result.ok).toBe(true);
    expect(responder!.requests).toHaveLength(3);
    expect(responder!.requests[2]!.message.equals(responder!.requests[0]!.message)).toBe(true);
  });

  it('gives up after the retries with a TIMEOUT result, never hanging', async () => {
    const result = await writeWith(() => undefined, { retries: 1, timeoutMs: 50 });
    expect(result).toMatchObject({ ok: false, code: 'TIMEOUT', retryable: true });
    expect(!result.ok && result.error).toContain('after 2 attempt(s) of 50 ms');
    expect(responder!.requests).toHaveLength(2);
  });

  it('does not retry answered failures', async () => {
    const result = await writeWith(answer({ rcode: 5 }), { retries: 2 });
    expect(result.ok).toBe(false);
    expect(responder!.requests).toHaveLength(1);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const pending = writeWith(
      () => {
        controller.abort();
        return undefined;
      },
      { timeoutMs: 5000 },
      controller.signal,
    );
    expect(await pending).toMatchObject({ ok: false, code: 'ABORTED' });
  });

  it('reports a name outside the zone as a failed write, not an exception', async () => {
    responder = await startResponder(answer());
    const writer = createRfc2136Writer({
      server: '127.0.0.1',
      port: responder.port,
      transport: 'udp',
      timeoutMs: 100,
      retries: 0,
      tsig: { name: 'k', algorithm: 'hmac-sha256', secret: SECRET },
    });
    const result = await writer.write({ ...CHANGE, name: 'x.other.test' });
    expect(result).toMatchObject({ ok: false, code: 'INVALID' });
    expect(responder.requests).toHaveLength(0);
  });

  it('rejects a host name as server at construction', () => {
    expect(() =>
      createRfc2136Writer({
        server: 'ns1.example.test',
        port: 53,
        transport: 'udp',
        timeoutMs: 100,
        retries: 0,
        tsig: { name: 'k', algorithm: 'hmac-sha256', secret: SECRET },
      }),
    ).toThrow('rfc2136.server: "ns1.example.test" is not an IPv4 or IPv6 address');
  });
});
