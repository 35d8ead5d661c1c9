/**
 * Configuration of the `rfc2136` writer, as a TypeBox schema the probe's
 * config schema embeds (under `writer.rfc2136` or wherever it likes). The
 * TSIG secret is marked `secret: true`, so config dumps and error messages
 * mask it and the logger scrubs it.
 */
import Type, { type Static } from 'typebox';
import type { TsigAlgorithm } from '@propwatch/dns';

export const BASE64_PATTERN = '^[A-Za-z0-9+/]+={0,2}$';

export const Rfc2136TsigSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'TSIG key name, as in the server config (`key "<name>"`)',
    }),
    // Spelled out (not mapped from TSIG_ALGORITHMS) so the static type is the literal union, not never.
    algorithm: Type.Union([Type.Literal('hmac-sha256'), Type.Literal('hmac-sha512'), Type.Literal('hmac-sha1')], {
      default: 'hmac-sha256',
      description: 'HMAC algorithm of the key',
    }),
    secret: Type.String({
      minLength: 4,
      pattern: BASE64_PATTERN,
      secret: true,
      description: 'base64 key secret (as printed by tsig-keygen / keymgr -t)',
    }),
  },
  { additionalProperties: false },
);

export const Rfc2136ConfigSchema = Type.Object(
  {
    server: Type.Union([Type.String({ format: 'ipv4' }), Type.String({ format: 'ipv6' })], {
      description: 'IP address of the primary that accepts updates',
    }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 53 }),
    transport: Type.Union([Type.Literal('udp'), Type.Literal('tcp')], {
      default: 'udp',
      description: 'udp falls back to tcp on truncation',
    }),
    timeoutMs: Type.Integer({ minimum: 1, maximum: 60_000, default: 2000, description: 'per attempt' }),
    retries: Type.Integer({
      minimum: 0,
      maximum: 10,
      default: 2,
      description: 'extra attempts after a timeout (only after a timeout)',
    }),
    tsig: Rfc2136TsigSchema,
  },
  { additionalProperties: false },
);

export type Rfc2136Config = Static<typeof Rfc2136ConfigSchema>;
export type Rfc2136TsigConfig = Static<typeof Rfc2136TsigSchema>;

// Compile-time check that the schema's algorithms are exactly the ones we implement.
type SchemaAlgorithm = Static<typeof Rfc2136TsigSchema>['algorithm'];
const _sameAlgorithms: [SchemaAlgorithm, TsigAlgorithm] extends [TsigAlgorithm, SchemaAlgorithm] ? true : never = true;
