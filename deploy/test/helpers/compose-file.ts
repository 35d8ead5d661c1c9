/**
 * Reads docker-compose.yml the way `docker compose` would, as far as these
 * tests need: YAML merge keys, `${VAR:-default}` interpolation (with an empty
 * environment, so the file's defaults are what is checked), `extends` from
 * another file, volume/port short syntax, and file secrets (mounted as
 * Compose v1 and v2 do without Swarm: read-only at /run/secrets/<name>).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Service {
  name: string;
  image?: string;
  build?: { context?: string; target?: string };
  command?: string[];
  environment: Record<string, string>;
  volumes: Mount[];
  ports: string[];
  profiles: string[];
  healthcheck?: { test: string[] };
  network_mode?: string;
  /** Networks the service joins, with its fixed address where it has one. */
  networks: Record<string, { ipv4_address?: string }>;
  devices: string[];
  /** Names of the top-level secrets the service gets (short syntax). */
  secrets: string[];
  privileged?: boolean;
  depends_on?: unknown;
  mem_limit?: string;
  cpus?: number;
}

export interface Mount {
  source: string;
  target: string;
  /** Named volume (a key of the top-level `volumes`) rather than a bind mount. */
  named: boolean;
  readOnly: boolean;
}

export interface Network {
  name: string;
  /** No gateway: no route out of the host and none to other networks. */
  internal: boolean;
  subnets: string[];
}

export interface ComposeFile {
  /** Top-level keys, to check what Compose v1 (1.29) would refuse. */
  keys: string[];
  services: Map<string, Service>;
  volumes: string[];
  networks: Map<string, Network>;
  /** Top-level file secrets: name → absolute path on the host. */
  secrets: Map<string, string>;
}

type Raw = Record<string, unknown>;

/** `${NAME:-default}`, `${NAME-default}`, `${NAME}` and `$$`, against `env`. */
export function interpolate<T>(value: T, env: Record<string, string> = {}): T {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}/g,
      (match, name?: string, colon?: string, fallback?: string) => {
        if (match === '$$') return '$';
        const set = env[name!];
        if (set !== undefined && !(colon === ':' && set === '')) return set;
        return fallback ?? '';
      },
    ) as T;
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env)) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)])) as T;
  return value;
}

function readYaml(file: string): Raw {
  return parse(readFileSync(file, 'utf8'), { merge: true }) as Raw;
}

function parseMount(spec: string, baseDir: string): Mount {
  const [source = '', target = '', mode = ''] = spec.split(':');
  const named = !source.startsWith('.') && !isAbsolute(source);
  return { source: named ? source : resolve(baseDir, source), target, named, readOnly: mode.split(',').includes('ro') };
}

function normalize(name: string, raw: Raw, baseDir: string): Service {
  const env = raw.environment;
  const environment: Record<string, string> = Array.isArray(env)
    ? Object.fromEntries((env as string[]).map((line) => [line.split('=')[0]!, line.split('=').slice(1).join('=')]))
    : Object.fromEntries(
        Object.entries((env ?? {}) as Raw).map(([k, v]) => [
          k,
          v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v),
        ]),
      );
  return {
    ...(raw as object),
    name,
    environment,
    volumes: ((raw.volumes ?? []) as string[]).map((spec) => parseMount(spec, baseDir)),
    ports: ((raw.ports ?? []) as unknown[]).map(String),
    profiles: (raw.profiles ?? []) as string[],
    devices: (raw.devices ?? []) as string[],
    secrets: ((raw.secrets ?? []) as unknown[]).map(String),
    networks: Array.isArray(raw.networks)
      ? Object.fromEntries((raw.networks as string[]).map((name) => [name, {}]))
      : Object.fromEntries(Object.entries((raw.networks ?? {}) as Raw).map(([name, v]) => [name, v ?? {}])),
  };
}

/** Local keys win; environment merges by name and volumes by target, as compose does for `extends`. */
function mergeExtended(base: Service, local: Service): Service {
  const volumes = new Map(base.volumes.map((m) => [m.target, m]));
  for (const mount of local.volumes) volumes.set(mount.target, mount);
  return {
    ...base,
    ...local,
    environment: { ...base.environment, ...local.environment },
    volumes: [...volumes.values()],
    devices: [...new Set([...base.devices, ...local.devices])],
    secrets: [...new Set([...base.secrets, ...local.secrets])],
    networks: Object.keys(local.networks).length ? local.networks : base.networks,
    profiles: local.profiles.length ? local.profiles : base.profiles,
  };
}

/** `env` plays the shell / .env variables compose interpolates; empty means the file's defaults. */
export function loadCompose(env: Record<string, string> = {}, file = join(ROOT, 'docker-compose.yml')): ComposeFile {
  const doc = interpolate(readYaml(file), env);
  const dir = dirname(file);
  const services = new Map<string, Service>();
  for (const [name, raw] of Object.entries(doc.services as Record<string, Raw>)) {
    let service = normalize(name, raw, dir);
    const ext = raw.extends as { file?: string; service: string } | undefined;
    if (ext) {
      const baseFile = ext.file ? resolve(dir, ext.file) : file;
      if (!existsSync(baseFile)) throw new Error(`service ${name} extends ${ext.file}, which does not exist`);
      const baseRaw = (interpolate(readYaml(baseFile), env).services as Record<string, Raw>)[ext.service];
      if (!baseRaw) throw new Error(`service ${name} extends ${ext.service}, which ${ext.file} does not define`);
      service = mergeExtended(normalize(ext.service, baseRaw, dirname(baseFile)), service);
    }
    services.set(name, service);
  }
  const secrets = new Map(
    Object.entries((doc.secrets ?? {}) as Record<string, { file?: string }>).map(([name, raw]) => {
      if (typeof raw?.file !== 'string') throw new Error(`secret ${name} is not a file secret`);
      return [name, resolve(dir, raw.file)] as const;
    }),
  );
  // A file secret is a read-only bind mount at /run/secrets/<name> (Compose without Swarm).
  for (const service of services.values()) {
    for (const name of service.secrets) {
      const source = secrets.get(name);
      if (source === undefined) throw new Error(`service ${service.name} uses secret ${name}, which is not declared`);
      service.volumes.push({ source, target: `/run/secrets/${name}`, named: false, readOnly: true });
    }
  }
  const networks = new Map(
    Object.entries((doc.networks ?? {}) as Record<string, Raw | null>).map(([name, raw]) => {
      const ipam = (raw?.ipam ?? {}) as { config?: { subnet?: string }[] };
      const subnets = (ipam.config ?? []).flatMap((c) => (c.subnet ? [c.subnet] : []));
      return [name, { name, internal: raw?.internal === true, subnets }] as const;
    }),
  );
  return { keys: Object.keys(doc), services, volumes: Object.keys(doc.volumes ?? {}), networks, secrets };
}

/** Host path of the bind mount that provides `containerPath` (a file or a file under a mounted directory). */
export function hostPathOf(service: Service, containerPath: string): string | undefined {
  for (const mount of service.volumes) {
    if (mount.named) continue;
    if (containerPath === mount.target) return mount.source;
    if (containerPath.startsWith(`${mount.target}/`))
      return join(mount.source, containerPath.slice(mount.target.length + 1));
  }
  return undefined;
}

/** The named volume mounted at `containerPath` or above it. */
export function namedVolumeHolding(service: Service, containerPath: string): Mount | undefined {
  return service.volumes.find(
    (m) => m.named && (containerPath === m.target || containerPath.startsWith(`${m.target}/`)),
  );
}

/** Container port of a `HOST:CONTAINER` (or `IP:HOST:CONTAINER`) mapping. */
export function containerPort(mapping: string): number {
  return Number(mapping.split('/')[0]!.split(':').at(-1));
}

/** Value of `--flag value` / `-f value` in an argument list. */
export function flagValue(args: readonly string[], ...names: string[]): string | undefined {
  const index = args.findIndex((arg) => names.includes(arg));
  return index >= 0 ? args[index + 1] : undefined;
}
