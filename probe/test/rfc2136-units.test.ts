/**
 * The pure parts of the rfc2136 writer: TXT RDATA splitting, the UPDATE
 * layout, name reading on hostile input, the outcome on garbage, the BIND
 * key-file parser and the config schema (defaults, masking, errors).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { loadConfig, maskSecrets } from '@propwatch/shared';
import { readNameAt } from '@propwatch/dns';
import { parseMessage } from '../src/writers/rfc2136/message-reader.js';
import {
  Rfc2136ConfigSchema,
  encodeTxtRdata,
  encodeTxtReplaceUpdate,
  interpretUpdateResponse,
  parseBindKeyFile,
  parseBindKeys,
  signMessage,
  verifyTsig,
  type TsigKey,
} from '../src/writers/rfc2136/index.js';

const KEY: TsigKey = { name: 'k', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 1) };
const SECRET = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

describe('TXT RDATA', () => {
  it.each([
    ['', [0]],
    ['a'.repeat(255), [255]],
    ['a'.repeat(256), [255, 1]],
    ['a'.repeat(600), [255, 255, 90]],
  ])('splits %#into character-strings of at most 255 bytes', (content, lengths) => {
    const rdata = encodeTxtRdata(content);
    const seen: number[] = [];
    for (let offset = 0; offset < rdata.length; offset += rdata[offset]! + 1) seen.push(rdata[offset]!);
    expect(seen).toEqual(lengths);
  });

  it('counts bytes, not characters', () => {
    expect(encodeTxtRdata('é'.repeat(200))[0]).toBe(255);
  });
});

describe('UPDATE message', () => {
  it('has opcode 5, one zone entry, no prerequisites, two updates and no additional records', () => {
    const message = encodeTxtReplaceUpdate(
      { zone: 'example.test', name: 'a.example.test', content: 'x', ttl: 9 },
      0xbeef,
    );
    expect(message.readUInt16BE(0)).toBe(0xbeef);
    expect(message.readUInt16BE(2)).toBe(0x2800);
    expect([4, 6, 8, 10].map((offset) => message.readUInt16BE(offset))).toEqual([1, 0, 2, 0]);
    const [remove, add] = parseMessage(message).records;
    expect(remove).toMatchObject({ name: 'a.example.test', type: 16, klass: 255, ttl: 0 });
    expect(remove!.rdataEnd - remove!.rdataStart).toBe(0);
    expect(add).toMatchObject({ name: 'a.example.test', type: 16, klass: 1, ttl: 9 });
  });

  it.each([
    [{ name: 'a.other.test' }, 'record name "a.other.test" is not inside zone "example.test"'],
    [{ name: 'aexample.test' }, 'is not inside zone'],
    [{ ttl: -1 }, 'TTL -1 is not an integer'],
    [{ name: `${'a'.repeat(64)}.example.test` }, 'label longer than 63 bytes'],
    [{ name: 'a..example.test' }, 'empty label'],
  ])('rejects bad input %#', (override, message) => {
    expect(() =>
      encodeTxtReplaceUpdate({ zone: 'example.test', name: 'a.example.test', content: 'x', ttl: 9, ...override }, 1),
    ).toThrow(message);
  });
});

describe('hostile responses', () => {
  it('detects compression pointer loops and overruns', () => {
    expect(() => readNameAt(Buffer.from([0xc0, 0x00]), 0)).toThrow('points forward or loops');
    expect(() => readNameAt(Buffer.from([5, 0x61]), 0)).toThrow('past the end');
  });

  it('never throws on arbitrary bytes, and never calls garbage a success', () => {
    const context = {
      server: '127.0.0.1',
      zone: 'example.test',
      name: 'a.example.test',
      keyName: 'k',
      algorithm: 'hmac-sha256',
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const response = Buffer.from(bytes);
        expect(['bad', 'unsigned', 'unsigned-error']).toContain(verifyTsig(response, KEY, { nowSeconds: 0 }).kind);
        const outcome = interpretUpdateResponse({
          response,
          requestId: 7,
          requestMac: Buffer.alloc(32),
          key: KEY,
          nowSeconds: 0,
          context,
        });
        expect(outcome.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects a TSIG record that is not the last record', () => {
    const signed = signMessage(
      encodeTxtReplaceUpdate({ zone: 'e.test', name: 'a.e.test', content: 'x', ttl: 1 }, 1),
      KEY,
      { timeSigned: 10 },
    ).message;
    const again = signMessage(signed, KEY, { timeSigned: 10 }).message;
    expect(verifyTsig(again, KEY, { nowSeconds: 10 })).toEqual({
      kind: 'bad',
      reason: 'TSIG record is not the last record',
    });
  });
});

describe('BIND key files', () => {
  const text = `// made by tsig-keygen
key "probe-key" {
\talgorithm hmac-sha256;
\tsecret "${SECRET}";
};
/* another */ key other { algorithm HMAC-SHA512; secret "${SECRET}"; };
`;

  it('reads every key statement', () => {
    expect(parseBindKeys(text)).toEqual([
      { name: 'probe-key', algorithm: 'hmac-sha256', secret: SECRET },
      { name: 'other', algorithm: 'hmac-sha512', secret: SECRET },
    ]);
    expect(parseBindKeyFile(text, 'other.').algorithm).toBe('hmac-sha512');
  });

  it.each([
    [text, undefined, 'several keys found (probe-key, other); say which one'],
    [text, 'missing', 'no key named "missing" (found: probe-key, other)'],
    ['', undefined, 'no `key "<name>"'],
    [
      `key "a" { algorithm hmac-md5; secret "${SECRET}"; };`,
      undefined,
      'key "a" uses algorithm hmac-md5; supported: hmac-sha256, hmac-sha512, hmac-sha1',
    ],
    [`key "a" { algorithm hmac-sha256; };`, undefined, 'key "a" has no "secret'],
    [`key "a" { secret "${SECRET}"; };`, undefined, 'key "a" has no "algorithm'],
  ])('explains what is wrong %#', (input, name, message) => {
    let error: Error | undefined;
    try {
      parseBindKeyFile(input, name);
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain(SECRET);
  });

  it('reads what tsig-keygen writes', () => {
    const generated = spawnSync('tsig-keygen', ['-a', 'hmac-sha512', 'live-key'], { encoding: 'utf8' });
    if (generated.error) {
      // tsig-keygen ships with bind9; the committed sample above covers the format without it.
      expect(parseBindKeyFile(text, 'probe-key').name).toBe('probe-key');
      return;
    }
    const key = parseBindKeyFile(generated.stdout);
    expect(key).toMatchObject({ name: 'live-key', algorithm: 'hmac-sha512' });
    expect(Buffer.from(key.secret, 'base64')).toHaveLength(64);
  });
});

describe('config schema', () => {
  const Schema = Type.Object({ writer: Type.Object({ rfc2136: Rfc2136ConfigSchema }) });
  const load = (yaml: string, env: Record<string, string> = {}) => {
    const file = join(mkdtempSync(join(tmpdir(), 'rfc2136-config-')), 'probe.yaml');
    writeFileSync(file, yaml);
    return loadConfig(Schema, { file, env }).config;
  };
  const base = `writer:\n  rfc2136:\n    server: 192.0.2.53\n    tsig:\n      name: probe-key\n      secret: "${SECRET}"\n`;

  it('fills the defaults and masks the secret in dumps', () => {
    const config = load(base);
    expect(config.writer.rfc2136).toEqual({
      server: '192.0.2.53',
      port: 53,
      transport: 'udp',
      timeoutMs: 2000,
      retries: 2,
      tsig: { name: 'probe-key', algorithm: 'hmac-sha256', secret: SECRET },
    });
    expect(JSON.stringify(maskSecrets(Schema, config))).not.toContain(SECRET);
  });

  it('takes the secret from the environment', () => {
    const other = Buffer.alloc(32, 3).toString('base64');
    expect(load(base, { PROPWATCH_WRITER__RFC2136__TSIG__SECRET: other }).writer.rfc2136.tsig.secret).toBe(other);
  });

  it.each([
    [base.replace('192.0.2.53', 'ns1.example.test'), 'config key "writer.rfc2136.server"'],
    [`${base}      algorithm: hmac-md5\n`, 'config key "writer.rfc2136.tsig.algorithm"'],
    [`${base}    transport: quic\n`, 'expected one of udp, tcp'],
    [base.replace(SECRET, 'not base64!'), 'config key "writer.rfc2136.tsig.secret" (file'],
  ])('rejects bad config %#', (yaml, message) => {
    expect(() => load(yaml)).toThrow(message);
    try {
      load(yaml);
    } catch (error) {
      expect((error as Error).message).not.toContain('not base64!');
    }
  });
});
