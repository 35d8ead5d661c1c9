/**
 * Reference vectors from the real tools: nsupdate (BIND) and knsupdate (Knot)
 * sign an UPDATE with TSIG; our verifier must accept their MAC, and our
 * encoder + signer must reproduce their message byte for byte. Runs from the
 * committed hex fixtures always, and live against the installed tools (which
 * must be present in CI). `PROPWATCH_WRITE_FIXTURES=1` rewrites the fixtures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeTxtReplaceUpdate,
  listRecords,
  nameToWire,
  readNameAt,
  signMessage,
  verifyTsig,
  type RecordSpan,
  type TsigKey,
} from '../src/index.js';
import { captureUpdate, toolVersion, type CaptureInput, type UpdateTool } from './fixtures/capture-update.js';

interface Fixture extends CaptureInput {
  toolVersion: string;
  requestHex: string;
}

const FIXTURE_FILE = new URL('./fixtures/captured-updates.json', import.meta.url);
const fixtures = JSON.parse(readFileSync(FIXTURE_FILE, 'utf8')) as Fixture[];

// Test-only secrets (not used anywhere else), one of the natural size per algorithm.
const SECRETS = {
  'hmac-sha256': Buffer.alloc(32, 0x5a).toString('base64'),
  'hmac-sha512': Buffer.from(Array.from({ length: 64 }, (_, i) => i)).toString('base64'),
  'hmac-sha1': Buffer.from('propwatch-test-sha1-key').toString('base64'),
} as const;

const CASES: Omit<CaptureInput, 'tool'>[] = [
  ...(['hmac-sha256', 'hmac-sha512', 'hmac-sha1'] as const).map((algorithm) => ({
    algorithm,
    keyName: 'probe-key',
    secret: SECRETS[algorithm],
    zone: 'example.test',
    name: 'x.example.test',
    ttl: 60,
    content: 'propwatch=1 serial=1730000000123 probe=lhr-1',
  })),
  {
    algorithm: 'hmac-sha256',
    keyName: 'Mixed.Case.Key',
    secret: SECRETS['hmac-sha256'],
    zone: 'example.test',
    name: 'probe-2._propwatch.example.test',
    ttl: 5,
    content: `long ${'0123456789'.repeat(30)}`,
  },
];

const keyOf = (input: CaptureInput): TsigKey => ({
  name: input.keyName,
  algorithm: input.algorithm,
  secret: Buffer.from(input.secret, 'base64'),
});

function checkAgainstReference(input: CaptureInput, request: Buffer): void {
  const key = keyOf(input);
  const check = verifyTsig(request, key, { nowSeconds: Math.floor(Date.now() / 1000) });
  if (check.kind !== 'verified') throw new Error(`${input.tool} message did not verify: ${JSON.stringify(check)}`);
  expect(check.fields.error).toBe(0);

  const ours = encodeTxtReplaceUpdate(
    { zone: input.zone, name: input.name, ttl: input.ttl, content: input.content },
    request.readUInt16BE(0),
  );
  const theirsUnsigned = Buffer.from(request.subarray(0, records(request).at(-1)!.start));
  theirsUnsigned.writeUInt16BE(0, 10);
  expect(uncompressed(ours).toString('hex')).toBe(uncompressed(theirsUnsigned).toString('hex'));
  // Knot compresses every name as we do; BIND 9.18 (observed) only points an
  // owner name at the zone when it is exactly one label below it, so deeper
  // names are compared in uncompressed form only.
  if (input.tool === 'knsupdate' || input.name.split('.').length === input.zone.split('.').length + 1) {
    const signed = signMessage(ours, key, { timeSigned: check.fields.timeSigned, fudge: check.fields.fudge });
    expect(signed.message.toString('hex')).toBe(request.toString('hex'));
    expect(signed.mac.equals(check.fields.mac)).toBe(true);
  }

  const tampered = Buffer.from(request);
  tampered[ours.length - 3]! ^= 0x01; // a byte inside the TXT RDATA
  expect(verifyTsig(tampered, key, { nowSeconds: check.fields.timeSigned })).toMatchObject({
    kind: 'bad',
    reason: 'MAC does not match',
  });
  const wrongKey = { ...key, secret: Buffer.alloc(key.secret.length, 1) };
  expect(verifyTsig(request, wrongKey, { nowSeconds: check.fields.timeSigned })).toMatchObject({ kind: 'bad' });
}

function records(message: Buffer): RecordSpan[] {
  const listed = listRecords(message);
  if (!listed.ok) throw new Error(`not a valid message: ${listed.error}`);
  return listed.records;
}

/** The message with every owner name written out in full (TXT RDATA holds no names). */
function uncompressed(message: Buffer): Buffer {
  const parts: Buffer[] = [message.subarray(0, 12)];
  const zone = readNameAt(message, 12);
  parts.push(nameToWire(zone.name), message.subarray(zone.end, zone.end + 4));
  for (const record of records(message)) {
    const owner = readNameAt(message, record.start);
    parts.push(nameToWire(record.name), message.subarray(owner.end, record.rdataEnd));
  }
  return Buffer.concat(parts);
}

describe('committed nsupdate/knsupdate vectors', () => {
  it('cover both tools and all three algorithms', () => {
    const seen = new Set(fixtures.map((f) => `${f.tool}/${f.algorithm}`));
    for (const tool of ['nsupdate', 'knsupdate'])
      for (const algorithm of Object.keys(SECRETS)) expect(seen).toContain(`${tool}/${algorithm}`);
  });
  for (const fixture of fixtures) {
    it(`${fixture.tool} ${fixture.algorithm} ${fixture.name}: verifies and is reproduced byte for byte`, () => {
      // Fixtures carry their original time signed; verification ignores our clock.
      checkAgainstReference(fixture, Buffer.from(fixture.requestHex, 'hex'));
    });
  }
});

const captured: Fixture[] = [];

for (const tool of ['nsupdate', 'knsupdate'] as UpdateTool[]) {
  const version = toolVersion(tool);
  if (!version) {
    if (process.env.CI) {
      it(`${tool} is installed (required in CI)`, () => {
        throw new Error(`${tool} not found: install bind9-dnsutils / knot-dnsutils`);
      });
    } else {
      console.warn(`skipping live ${tool} vectors: ${tool} is not installed`);
    }
    continue;
  }
  describe(`live ${tool} (${version})`, () => {
    for (const input of CASES) {
      it(`${input.algorithm} ${input.name}: our verifier accepts its MAC and our encoder matches its bytes`, async () => {
        const request = await captureUpdate({ ...input, tool });
        checkAgainstReference({ ...input, tool }, request);
        captured.push({ ...input, tool, toolVersion: version, requestHex: request.toString('hex') });
      });
    }
  });
}

afterAll(() => {
  if (process.env.PROPWATCH_WRITE_FIXTURES !== '1') return;
  const ordered = [...captured].sort((a, b) =>
    `${a.tool}${a.algorithm}${a.name}`.localeCompare(`${b.tool}${b.algorithm}${b.name}`),
  );
  writeFileSync(FIXTURE_FILE, `${JSON.stringify(ordered, null, 2)}\n`);
});
