/**
 * The `rfc2136` canary writer: one TSIG-signed DNS UPDATE per write that
 * replaces the TXT RRset at the canary name, sent to the zone's primary.
 * `submitToAckMs` runs from the first datagram sent to the arrival of the
 * accepted answer, so it includes retransmissions after timeouts — the time
 * the probe really waited for the provider.
 */
import { randomInt } from 'node:crypto';
import net from 'node:net';
import type { CanaryWrite, CanaryWriter, WriteResult } from '../writer.js';
import { encodeTxtReplaceUpdate, signMessage, type TsigKey } from '@propwatch/dns';
import type { Rfc2136Config } from './config.js';
import { exchange as realExchange, type ExchangeOptions, type ExchangeResult } from './transport.js';
import { interpretUpdateResponse } from './update-outcome.js';

export interface Rfc2136Deps {
  /** Wall clock in ms since the epoch, for TSIG "time signed". */
  wallClockMs?: () => number;
  /** Monotonic clock in ms (`performance.now`). */
  now?: () => number;
  /** 16-bit message IDs; a CSPRNG by default (RFC 5452). */
  randomId?: () => number;
  exchange?: (request: Buffer, options: ExchangeOptions) => Promise<ExchangeResult>;
}

/** Validates what the schema cannot (address family, secret bytes) and builds the writer. */
export function createRfc2136Writer(config: Rfc2136Config, deps: Rfc2136Deps = {}): CanaryWriter {
  if (net.isIP(config.server) === 0) {
    throw new Error(
      `rfc2136.server: ${JSON.stringify(config.server)} is not an IPv4 or IPv6 address (give the primary's address, not its name)`,
    );
  }
  const secret = Buffer.from(config.tsig.secret, 'base64');
  if (secret.length === 0) throw new Error('rfc2136.tsig.secret: expected a non-empty base64 secret');
  const key: TsigKey = { name: config.tsig.name, algorithm: config.tsig.algorithm, secret };
  const wallClockMs = deps.wallClockMs ?? Date.now;
  const now = deps.now ?? (() => performance.now());
  const randomId = deps.randomId ?? (() => randomInt(0, 0x10000));
  const exchange = deps.exchange ?? realExchange;
  const attempts = 1 + config.retries;

  async function write(change: CanaryWrite, signal?: AbortSignal): Promise<WriteResult> {
    const context = {
      server: config.server,
      zone: change.zone,
      name: change.name,
      keyName: key.name,
      algorithm: key.algorithm,
    };
    const id = randomId();
    let signed;
    try {
      const unsigned = encodeTxtReplaceUpdate(change, id);
      signed = signMessage(unsigned, key, { timeSigned: Math.floor(wallClockMs() / 1000) });
    } catch (error) {
      return {
        ok: false,
        submitToAckMs: 0,
        error: `cannot build the update: ${(error as Error).message}`,
        code: 'INVALID',
        retryable: false,
      };
    }
    const startedAt = now();
    const options: ExchangeOptions = {
      address: config.server,
      port: config.port,
      transport: config.transport,
      timeoutMs: config.timeoutMs,
      signal,
      now,
    };
    let result: ExchangeResult = { kind: 'timeout', via: config.transport };
    // Only timeouts are retried: the same signed bytes again, as nsupdate does.
    // Replaying them is harmless because the update is idempotent.
    for (let attempt = 0; attempt < attempts; attempt++) {
      result = await exchange(signed.message, options);
      if (result.kind !== 'timeout') break;
    }
    const elapsed = () => now() - startedAt;
    const where = `${config.server} port ${config.port}`;
    switch (result.kind) {
      case 'timeout':
        return {
          ok: false,
          submitToAckMs: elapsed(),
          error: `no answer from ${where} over ${result.via} after ${attempts} attempt(s) of ${config.timeoutMs} ms`,
          code: 'TIMEOUT',
          retryable: true,
        };
      case 'aborted':
        return { ok: false, submitToAckMs: elapsed(), error: 'write aborted', code: 'ABORTED', retryable: true };
      case 'network':
        return {
          ok: false,
          submitToAckMs: elapsed(),
          error: `cannot reach ${where} over ${result.via}: ${result.message}`,
          code: 'NETWORK',
          retryable: true,
        };
      case 'response': {
        const submitToAckMs = result.receivedAt - startedAt;
        const outcome = interpretUpdateResponse({
          response: result.message,
          requestId: id,
          requestMac: signed.mac,
          key,
          nowSeconds: Math.floor(wallClockMs() / 1000),
          context,
        });
        if (outcome.ok) return { ok: true, submitToAckMs, ackAt: result.receivedAt };
        return { ok: false, submitToAckMs, error: outcome.error, code: outcome.code, retryable: outcome.retryable };
      }
    }
  }

  return { kind: 'rfc2136', write };
}
