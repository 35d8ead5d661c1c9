/** Cloudflare v4 zones and dns_records endpoints (the subset a TXT client uses). */
import type { FastifyInstance } from 'fastify';
import type { DnsRecord } from '../zone-store.js';
import type { SimApiDeps } from './api-deps.js';
import { cfErrors } from './cf-errors.js';
import { ok, paginate } from './envelope.js';
import { type RecordFields, parseRecordInput } from './record-input.js';

type ZoneParams = { zoneId: string };
type RecordParams = { zoneId: string; id: string };
type Query = Record<string, string | undefined>;

export function registerRecordRoutes(app: FastifyInstance, deps: SimApiDeps): void {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const view = (record: DnsRecord) => ({
    ...record,
    zone_id: deps.zoneId,
    zone_name: deps.zone,
    proxiable: false,
    proxied: false,
    locked: false,
    tags: [],
    meta: { auto_added: false, managed_by_apps: false, managed_by_argo_tunnel: false, source: 'primary' },
  });
  const zoneView = () => ({
    id: deps.zoneId,
    name: deps.zone,
    status: 'active',
    paused: false,
    type: 'full',
    development_mode: 0,
    name_servers: deps.nameServers,
    original_name_servers: null,
  });
  const checkZone = (zoneId: string, path: string) => {
    if (zoneId !== deps.zoneId) throw cfErrors.badZoneId(path);
  };
  const findRecord = (id: string) => {
    const record = deps.store.get(id);
    if (!record) throw cfErrors.recordNotFound();
    return record;
  };
  const rejectIdentical = (fields: RecordFields, exceptId?: string) => {
    if (deps.store.list().some((r) => r.id !== exceptId && r.name === fields.name && r.content === fields.content))
      throw cfErrors.identicalRecord();
  };

  app.get<{ Querystring: Query }>('/zones', async (request) => {
    const { name } = request.query;
    const zones = name === undefined || name.toLowerCase().replace(/\.$/, '') === deps.zone ? [zoneView()] : [];
    const { items, info } = paginate(zones, request.query.page, request.query.per_page, 20, 50);
    return ok(items, info);
  });

  app.get<{ Params: ZoneParams }>('/zones/:zoneId', async (request) => {
    checkZone(request.params.zoneId, request.url);
    return ok(zoneView());
  });

  app.get<{ Params: ZoneParams; Querystring: Query }>('/zones/:zoneId/dns_records', async (request) => {
    checkZone(request.params.zoneId, request.url);
    const q = request.query;
    const type = q.type?.toUpperCase();
    const name = (q['name.exact'] ?? q.name)?.toLowerCase().replace(/\.$/, '');
    const content = q['content.exact'] ?? q.content;
    const matches = deps.store
      .list()
      .filter(
        (r) =>
          (type === undefined || r.type === type) &&
          (name === undefined || r.name === name) &&
          (content === undefined || r.content === content),
      )
      .sort((a, b) => a.created_on.localeCompare(b.created_on) || a.id.localeCompare(b.id));
    const { items, info } = paginate(matches, q.page, q.per_page);
    return ok(items.map(view), info);
  });

  app.post<{ Params: ZoneParams }>('/zones/:zoneId/dns_records', async (request) => {
    checkZone(request.params.zoneId, request.url);
    const fields = parseRecordInput(request.body, { zone: deps.zone, minTtl: deps.minTtl });
    rejectIdentical(fields);
    const record = deps.store.insert(fields, now());
    deps.commit();
    return ok(view(record));
  });

  app.get<{ Params: RecordParams }>('/zones/:zoneId/dns_records/:id', async (request) => {
    checkZone(request.params.zoneId, request.url);
    return ok(view(findRecord(request.params.id)));
  });

  const update = (partial: boolean) => async (request: { params: RecordParams; body: unknown; url: string }) => {
    checkZone(request.params.zoneId, request.url);
    const current = findRecord(request.params.id);
    const fields = parseRecordInput(
      request.body,
      { zone: deps.zone, minTtl: deps.minTtl },
      partial ? current : undefined,
    );
    rejectIdentical(fields, current.id);
    const record = deps.store.replace(current.id, fields, now());
    deps.commit();
    return ok(view(record));
  };
  app.put<{ Params: RecordParams }>('/zones/:zoneId/dns_records/:id', update(false));
  app.patch<{ Params: RecordParams }>('/zones/:zoneId/dns_records/:id', update(true));

  app.delete<{ Params: RecordParams }>('/zones/:zoneId/dns_records/:id', async (request) => {
    checkZone(request.params.zoneId, request.url);
    const record = findRecord(request.params.id);
    deps.store.remove(record.id);
    deps.commit();
    return ok({ id: record.id });
  });
}
