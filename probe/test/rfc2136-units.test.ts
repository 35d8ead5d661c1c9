/**
 * The pure parts of the rfc2136 writer: the outcome on garbage, the BIND
 * key-file parser and the config schema (defaults, masking, errors). The
 * UPDATE and TSIG bytes are tested in dns/test/update-tsig.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { loadConfig, maskSecrets } from '@propwatch/shared';
import { verifyTsig, type TsigKey } from '@propwatch/dns';
import {
  Rfc2136ConfigSchema,
  interpretUpdateResponse,
  parseBindKeyFile,
  parseBindKeys,
} from '../src/writers/rfc2136/index.js';

const KEY: TsigKey = { name: 'k', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 1) };
const SECRET = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

describe('hostile responses', () => {
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
