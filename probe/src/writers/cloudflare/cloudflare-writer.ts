/**
 * Writes the canary through the Cloudflare v4 API: find the TXT record by
 * name (or create it), then update its content with PATCH. The record id is
 * cached; if the record disappears (someone deleted it) the next write
 * creates it again. submitToAckMs is the latency of the request that carried
 * the new content, which is what starts the propagation clock.
 */
import type { CanaryWrite, CanaryWriter, WriteResult } from '../writer.js';
import { type ApiOutcome, CloudflareApiClient, type ApiClientOptions } from './api-client.js';
import type { CloudflareWriterConfig } from './config.js';

interface DnsRecord {
  id: string;
  type: string;
  name: string;
  content: string;
}

/** Cloudflare's code for "Record does not exist". */
const RECORD_NOT_FOUND = 81044;

export class CloudflareWriter implements CanaryWriter {
  readonly kind = 'cloudflare';
  private readonly api: CloudflareApiClient;
  private zoneId: string | undefined;
  private readonly recordIds = new Map<string, string>();

  constructor(config: CloudflareWriterConfig, deps: Pick<ApiClientOptions, 'fetch' | 'sleep' | 'random'> = {}) {
    this.zoneId = config.zoneId;
    this.api = new CloudflareApiClient({
      baseUrl: config.apiBaseUrl,
      token: config.apiToken,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      maxRetryAfterMs: config.maxRetryAfterMs,
      ...deps,
    });
  }

  async write(change: CanaryWrite, signal?: AbortSignal): Promise<WriteResult> {
    const zoneId = await this.resolveZoneId(change.zone, signal);
    if (typeof zoneId !== 'string') return zoneId;
    let recordId = this.recordIds.get(change.name);
    if (!recordId) {
      const found = await this.findRecord(zoneId, change.name, signal);
      if (!found.ok) return failure(found);
      recordId = found.result?.id;
    }
    const body = { type: 'TXT', name: change.name, content: change.content, ttl: change.ttl };
    let outcome: ApiOutcome<DnsRecord> = recordId
      ? await this.api.request<DnsRecord>('PATCH', `/zones/${zoneId}/dns_records/${recordId}`, body, signal)
      : await this.api.request<DnsRecord>('POST', `/zones/${zoneId}/dns_records`, body, signal);
    if (!outcome.ok && recordId && outcome.errors.some((e) => e.code === RECORD_NOT_FOUND)) {
      this.recordIds.delete(change.name);
      outcome = await this.api.request<DnsRecord>('POST', `/zones/${zoneId}/dns_records`, body, signal);
    }
    if (!outcome.ok) return failure(outcome);
    if (outcome.result?.id) this.recordIds.set(change.name, outcome.result.id);
    return { ok: true, submitToAckMs: outcome.receivedAt - outcome.sentAt, ackAt: outcome.receivedAt };
  }

  private async resolveZoneId(zone: string, signal?: AbortSignal): Promise<string | WriteResult> {
    if (this.zoneId) return this.zoneId;
    const outcome = await this.api.request<Array<{ id: string; name: string }>>(
      'GET',
      `/zones?name=${encodeURIComponent(zone)}`,
      undefined,
      signal,
    );
    if (!outcome.ok) return failure(outcome);
    const match = Array.isArray(outcome.result)
      ? outcome.result.find((z) => z.name.toLowerCase() === zone.toLowerCase())
      : undefined;
    if (!match)
      return {
        ok: false,
        submitToAckMs: 0,
        error: `cloudflare: zone ${zone} not found for this token (set writer.cloudflare.zoneId or grant Zone.Zone:Read)`,
        code: 'cloudflare:zone_not_found',
        retryable: false,
      };
    this.zoneId = match.id;
    return match.id;
  }

  private async findRecord(
    zoneId: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<ApiOutcome<DnsRecord | undefined>> {
    const outcome = await this.api.request<DnsRecord[]>(
      'GET',
      `/zones/${zoneId}/dns_records?type=TXT&name=${encodeURIComponent(name)}`,
      undefined,
      signal,
    );
    if (!outcome.ok) return outcome;
    const records = Array.isArray(outcome.result) ? outcome.result : [];
    // Prefer our own canary if other TXT records share the name.
    const record = records.find((r) => r.content.replace(/^"|"$/g, '').startsWith('propwatch=')) ?? undefined;
    return { ...outcome, result: record };
  }
}

function failure(outcome: Extract<ApiOutcome<unknown>, { ok: false }>): WriteResult {
  const code = outcome.errors[0]
    ? `cloudflare:${outcome.errors[0].code}`
    : outcome.status
      ? `http:${outcome.status}`
      : 'network';
  return {
    ok: false,
    submitToAckMs: outcome.receivedAt - outcome.sentAt,
    error: `cloudflare: ${outcome.message}`,
    code,
    retryable: outcome.retryable,
  };
}
