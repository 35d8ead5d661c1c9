/**
 * docker-compose.yml checked against the code it starts, without an engine:
 * commands and flags against each CLI's real parser, env names against the
 * config schemas, mounted configs through the real loaders, and ports,
 * tokens, networks and targets across services. compose-stack.heavy.test.ts
 * runs the stack for real where a Docker engine is available.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolvePops } from '../../sim/src/topology.js';
import {
  ROOT,
  containerPort,
  flagValue,
  hostPathOf,
  loadCompose,
  namedVolumeHolding,
  type Service,
} from './helpers/compose-file.js';
import { COMPONENTS, envNamesOf, parseCommand } from './helpers/components.js';

const compose = loadCompose();
const services = [...compose.services.values()];
const propwatchServices = services.filter((s) => parseCommand(s.command));
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerStages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);

type Loaded = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
function loadServiceConfig(service: Service): Loaded {
  const { component, args } = parseCommand(service.command)!;
  const containerFile = flagValue(args, '--config', '-c') ?? service.environment.PROPWATCH_CONFIG;
  const file = containerFile === undefined ? undefined : hostPathOf(service, containerFile);
  if (containerFile !== undefined && (file === undefined || !existsSync(file)))
    throw new Error(`${service.name}: ${containerFile} is not provided by a bind mount of an existing file`);
  return COMPONENTS[component].load(file, service.environment, args);
}
const configs = new Map(propwatchServices.map((s) => [s.name, loadServiceConfig(s)]));
const config = (name: string): Loaded => configs.get(name)!;
/** The demo's probes (profile `ha` has its own, checked below). */
const probes = propwatchServices.filter(
  (s) => parseCommand(s.command)!.component === 'probe' && s.profiles.length === 0,
);
const service = (name: string) => compose.services.get(name)!;

/** The exec-form command of a Dockerfile stage's HEALTHCHECK. */
function imageHealthcheck(target: string): string[] | undefined {
  const stage = dockerfile
    .replace(/\\\n/g, ' ')
    .split(/^FROM /m)
    .find((text) => new RegExp(`^\\S+ AS ${target}\\n`).test(text));
  const json = /^HEALTHCHECK .*?CMD (\[.*\])$/m.exec(stage ?? '')?.[1];
  return json === undefined ? undefined : (JSON.parse(json) as string[]);
}

/** Whether an IPv4 address lies in a CIDR block. */
function inSubnet(address: string, cidr: string): boolean {
  const toInt = (ip: string) => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toInt(address) / size) === Math.floor(toInt(base!) / size);
}

describe('docker-compose.yml: every propwatch service', () => {
  it('runs one of the four components', () => {
    expect(propwatchServices.map((s) => s.name).sort()).toEqual([
      'aggregator',
      'aggregator-1',
      'aggregator-2',
      'alarm-pi',
      'alarm-pi-sysfs',
      'beacon',
      'ha-beacon',
      'ha-probe-ap-southeast',
      'ha-probe-eu-west',
      'ha-probe-us-east',
      'probe-ap-southeast',
      'probe-eu-west',
      'probe-us-east',
      'sim',
    ]);
    for (const other of services.filter((s) => !parseCommand(s.command)))
      expect(other.image, other.name).toMatch(/^(prom\/prometheus|grafana\/grafana-oss|postgres):v?[0-9]/);
  });

  it('is a file Compose v1 (docker-compose 1.29) reads too: no top-level name, version or include', () => {
    // `x-` keys are YAML anchors' homes, which every Compose version ignores; v1 mounts file secrets too.
    expect(compose.keys.filter((key) => !key.startsWith('x-')).sort()).toEqual([
      'networks',
      'secrets',
      'services',
      'volumes',
    ]);
  });

  it.each(propwatchServices.map((s) => [s.name, s] as const))(
    '%s: entry point is the built CLI its package bin runs, built from a Dockerfile stage',
    (_name, s) => {
      const { component, entry } = parseCommand(s.command)!;
      const manifest = JSON.parse(readFileSync(join(ROOT, component, 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
      };
      // The bin is a committed shim that imports ../dist/cli.js (fresh-clone-bins.heavy.test.ts runs each one);
      // the image holds dist/ only, so services run that file directly.
      const [shim] = Object.values(manifest.bin);
      expect(shim).toMatch(/^\.\/bin\/propwatch-[a-z]+\.js$/);
      expect(existsSync(join(ROOT, component, shim!))).toBe(true);
      expect(entry).toBe(posix.join(component, 'dist/cli.js'));
      expect(existsSync(join(ROOT, component, 'src', 'cli.ts'))).toBe(true);
      expect(s.build?.context).toBe('.');
      expect(dockerStages).toContain(s.build?.target);
    },
  );

  it.each(propwatchServices.map((s) => [s.name, s] as const))(
    '%s: flags are accepted by the CLI parser',
    async (_name, s) => {
      const { component, args } = parseCommand(s.command)!;
      expect(await COMPONENTS[component].acceptsArgs(args)).toBe(true);
      expect(await COMPONENTS[component].acceptsArgs([...args, '--no-such-flag'])).toBe(false);
    },
  );

  it.each(propwatchServices.map((s) => [s.name, s] as const))(
    '%s: every PROPWATCH_* variable names a config key',
    (_name, s) => {
      const known = envNamesOf(parseCommand(s.command)!.component);
      const names = Object.keys(s.environment).filter((name) => name.startsWith('PROPWATCH_'));
      expect(names.filter((name) => !known.has(name))).toEqual([]);
    },
  );

  it.each(propwatchServices.map((s) => [s.name, s] as const))('%s: bind-mounted files exist', (_name, s) => {
    for (const mount of s.volumes.filter((m) => !m.named && m.source.startsWith(ROOT)))
      expect(existsSync(mount.source), mount.source).toBe(true);
  });

  const runsEverywhere = (s: Service) => s.profiles.length === 0 || s.profiles.includes('ha');
  it.each(propwatchServices.filter(runsEverywhere).map((s) => [s.name, s] as const))(
    '%s: has a memory and a CPU limit (measured in compose-stack.heavy.test.ts, quoted in deploy/README.md)',
    (_name, s) => {
      expect(s.mem_limit).toMatch(/^\d+m$/);
      expect(Number.parseInt(s.mem_limit!, 10)).toBeGreaterThanOrEqual(96);
      expect(s.cpus).toBeGreaterThan(0);
      expect(s.cpus).toBeLessThanOrEqual(1);
    },
  );

  it.each(propwatchServices.filter(runsEverywhere).map((s) => [s.name, s] as const))(
    "%s: has a healthcheck (its own or its image's) that checks its own component",
    (_name, s) => {
      const { component } = parseCommand(s.command)!;
      const test = s.healthcheck?.test.slice(1) ?? imageHealthcheck(s.build!.target!);
      expect(test?.slice(0, 3)).toEqual(['node', '/app/healthcheck.mjs', component]);
    },
  );
});

describe('docker-compose.yml: the demo stack fits together', () => {
  const aggregator = service('aggregator');
  const port = config('aggregator').listen.port as number;

  it("aggregator listens on all interfaces; the published port is the host's loopback unless AGGREGATOR_BIND says otherwise", () => {
    expect(config('aggregator').listen.host).toBe('0.0.0.0');
    expect(aggregator.ports).toEqual([`127.0.0.1:8080:${port}`]);
    expect(aggregator.ports.map(containerPort)).toEqual([port]);
    expect(
      loadCompose({ AGGREGATOR_BIND: '0.0.0.0', AGGREGATOR_PORT: '18080' }).services.get('aggregator')!.ports,
    ).toEqual([`0.0.0.0:18080:${port}`]);
    // The healthcheck script reads the port from this variable, not from the file.
    expect(aggregator.environment.PROPWATCH_LISTEN__PORT).toBe(String(port));
  });

  it('the SQLite database lives on a named volume', () => {
    const volume = namedVolumeHolding(aggregator, config('aggregator').storage.path as string);
    expect(volume).toBeDefined();
    expect(compose.volumes).toContain(volume!.source);
  });

  it('three probes with distinct ids, regions, tokens and state volumes, each known to the aggregator', () => {
    expect(probes.map((p) => p.name)).toEqual(['probe-eu-west', 'probe-us-east', 'probe-ap-southeast']);
    const loaded = probes.map((p) => config(p.name));
    for (const key of [(c: Loaded) => c.probe.id, (c: Loaded) => c.probe.region, (c: Loaded) => c.report.token])
      expect(new Set(loaded.map(key)).size).toBe(3);
    const allowed = config('aggregator').probes as { id: string; token: string; region?: string }[];
    for (const [index, probe] of probes.entries()) {
      const c = loaded[index]!;
      expect(probe.name).toBe(c.probe.id);
      expect(allowed).toContainEqual({ id: c.probe.id, token: c.report.token, region: c.probe.region });
      expect(c.report.url).toBe(`http://aggregator:${port}`);
      for (const dir of [c.stateDir, c.report.spoolDir])
        expect(compose.volumes).toContain(namedVolumeHolding(probe, dir)?.source);
    }
    expect(new Set(probes.map((p) => namedVolumeHolding(p, config(p.name).stateDir)!.source)).size).toBe(3);
  });

  it('one variable (.env) changes a probe token on both sides', () => {
    const custom = loadCompose({ PROBE_US_EAST_TOKEN: 'token-from-dot-env-0123456789' });
    const aggregatorConfig = loadServiceConfig(custom.services.get('aggregator')!);
    const probeConfig = loadServiceConfig(custom.services.get('probe-us-east')!);
    expect(probeConfig.report.token).toBe('token-from-dot-env-0123456789');
    expect(aggregatorConfig.probes).toContainEqual({
      id: 'probe-us-east',
      region: probeConfig.probe.region,
      token: 'token-from-dot-env-0123456789',
    });
  });

  it('each probe is alone on the internal network of its region, with the sim and the aggregator', () => {
    for (const probe of probes) {
      const region = config(probe.name).probe.region as string;
      expect(Object.keys(probe.networks)).toEqual([region]);
      const network = compose.networks.get(region)!;
      expect(network.internal).toBe(true);
      expect(network.subnets).toHaveLength(1);
      const members = services.filter((s) => region in s.networks).map((s) => s.name);
      expect(members.filter((name) => name.startsWith('probe-'))).toEqual([probe.name]);
      expect(members).toEqual(expect.arrayContaining(['sim', 'aggregator']));
      expect(probe.network_mode).toBeUndefined();
    }
    const subnets = [...compose.networks.values()].flatMap((n) => n.subnets);
    expect(new Set(subnets).size).toBe(subnets.length);
  });

  it('the aggregator publishes its port and meets the beacon on a network that is not internal', () => {
    const shared = Object.keys(aggregator.networks).filter((name) => name in service('beacon').networks);
    expect(shared).toEqual(['ops']);
    expect(compose.networks.get('ops')!.internal).toBe(false);
  });

  it('the sim listens beyond loopback only by its explicit switch, at a fixed address on each region network', () => {
    const sim = config('sim');
    expect(sim.allowNonLoopback).toBe(true);
    expect([sim.apiHost, sim.dnsAddress]).toEqual(['0.0.0.0', '0.0.0.0']);
    for (const probe of probes) {
      const region = config(probe.name).probe.region as string;
      const address = service('sim').networks[region]?.ipv4_address;
      expect(address, region).toBeDefined();
      expect(inSubnet(address!, compose.networks.get(region)!.subnets[0]!)).toBe(true);
    }
  });

  it("probe targets are exactly the sim's POPs at the sim's address on the probe's network; the writer uses its API", () => {
    const sim = config('sim');
    const pops = resolvePops({
      pops: sim.pops,
      defaultAddress: sim.dnsAddress,
      dnsPortBase: sim.dnsPortBase,
      allowNonLoopback: sim.allowNonLoopback,
    });
    expect(pops.every((p) => p.port > 0)).toBe(true);
    for (const probe of probes) {
      const c = config(probe.name);
      const address = service('sim').networks[c.probe.region]!.ipv4_address;
      expect(c.targets).toEqual(pops.map((p) => ({ name: p.name, address, port: p.port, kind: 'unicast' })));
      expect(c.zone).toBe(sim.zone);
      expect(c.writer).toMatchObject({
        kind: 'cloudflare',
        cloudflare: {
          apiBaseUrl: `http://sim:${sim.apiPort}/client/v4`,
          apiToken: sim.apiToken,
          zoneId: sim.zoneId,
        },
      });
    }
    // The sim's healthcheck follows PROPWATCH_API_PORT, which the image sets: it must match the file.
    expect(/PROPWATCH_API_PORT=(\d+)/.exec(dockerfile)?.[1]).toBe(String(sim.apiPort));
  });

  it('a probe is unhealthy only after a round could have finished twice over', () => {
    for (const probe of probes) {
      const { round, metrics } = config(probe.name);
      const [, , , , maxAgeS] = probe.healthcheck!.test;
      expect(Number(maxAgeS) * 1000).toBeGreaterThanOrEqual(2 * (round.intervalMs + round.maxWaitMs));
      expect(probe.environment.PROPWATCH_METRICS__PORT).toBe(String(metrics.port));
    }
  });

  it('a stuck POP can alarm within a round: maxWaitMs exceeds the alarm threshold', () => {
    for (const probe of probes)
      expect(config(probe.name).round.maxWaitMs).toBeGreaterThan(config('aggregator').status.alarmAboveMs);
  });

  it('the beacon clients poll this aggregator; GPIO ones sit in a profile with the access their driver needs', () => {
    for (const name of ['beacon', 'alarm-pi', 'alarm-pi-sysfs']) {
      expect(config(name).aggregator.url).toBe(`http://aggregator:${port}`);
      expect(Object.keys(service(name).networks)).toEqual(['ops']);
    }
    expect(config('beacon').driver).toBe('console');
    expect(service('beacon').profiles).toEqual([]);
    const gpiod = service('alarm-pi');
    expect(config('alarm-pi').driver).toBe('gpioset');
    expect(gpiod.profiles).toEqual(['pi']);
    expect(gpiod.devices.map((d) => d.split(':')[0])).toContain(`/dev/${config('alarm-pi').gpioset.chip}`);
    const sysfs = service('alarm-pi-sysfs');
    expect(config('alarm-pi-sysfs').driver).toBe('gpio');
    expect(sysfs.profiles).toEqual(['pi-sysfs']);
    expect(sysfs.privileged).toBe(true);
    expect(sysfs.volumes.some((m) => m.source === '/sys' && m.target === '/sys')).toBe(true);
  });

  it('Prometheus and Grafana are optional (profile monitoring) and scrape what the services expose', () => {
    for (const name of ['prometheus', 'grafana']) expect(service(name).profiles).toEqual(['monitoring']);
    const prometheus = service('prometheus');
    const configFile = hostPathOf(prometheus, '/etc/prometheus/prometheus.yml')!;
    const scrape = parse(readFileSync(configFile, 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = (job: string) =>
      scrape.scrape_configs.find((c) => c.job_name === job)!.static_configs.flatMap((s) => s.targets);
    expect(targets('propwatch-aggregator')).toEqual([`aggregator:${port}`]);
    // Each probe answers on its own region network, which Prometheus joins.
    expect(targets('propwatch-probe')).toEqual(probes.map((p) => `${p.name}:${config(p.name).metrics.port}`));
    for (const p of probes) {
      expect(config(p.name).metrics.host).toBe('0.0.0.0');
      expect(Object.keys(prometheus.networks)).toContain(config(p.name).probe.region);
    }
    for (const mount of [...prometheus.volumes, ...service('grafana').volumes].filter((m) => !m.named))
      expect(existsSync(mount.source), mount.source).toBe(true);
    expect(existsSync(join(dirname(configFile), 'alerts.yml'))).toBe(true);
  });
});

describe('docker-compose.yml: profile ha (two replicas on PostgreSQL)', () => {
  const ha = services.filter((s) => s.profiles.includes('ha'));
  const replicas = ['aggregator-1', 'aggregator-2'];
  const haProbes = ha.filter((s) => parseCommand(s.command)?.component === 'probe');
  const replicaUrl = (name: string) => `http://${name}:${config(name).listen.port as number}`;
  const postgres = service('postgres');
  const passwordFile = compose.secrets.get('postgres-password');

  it('holds PostgreSQL, two aggregator replicas, three probes and a beacon, all in profile ha only', () => {
    expect(ha.map((s) => s.name).sort()).toEqual([
      'aggregator-1',
      'aggregator-2',
      'ha-beacon',
      'ha-probe-ap-southeast',
      'ha-probe-eu-west',
      'ha-probe-us-east',
      'postgres',
    ]);
    for (const s of ha) expect(s.profiles, s.name).toEqual(['ha']);
    expect(postgres.image).toBe('postgres:16-bookworm');
    expect(loadCompose({ POSTGRES_IMAGE: 'propwatch-postgres:15' }).services.get('postgres')!.image).toBe(
      'propwatch-postgres:15',
    );
  });

  it('PostgreSQL is reachable by the replicas only, keeps its data on a volume, and takes its password from a file secret', () => {
    expect(Object.keys(postgres.networks)).toEqual(['ha-db']);
    expect(compose.networks.get('ha-db')!.internal).toBe(true);
    expect(
      services
        .filter((s) => 'ha-db' in s.networks)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['aggregator-1', 'aggregator-2', 'postgres']);
    expect(postgres.ports).toEqual([]);
    expect(compose.volumes).toContain(namedVolumeHolding(postgres, '/var/lib/postgresql/data')?.source);
    expect(postgres.environment.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres-password');
    expect(postgres.environment.POSTGRES_PASSWORD).toBeUndefined();
    expect(postgres.secrets).toEqual(['postgres-password']);
    expect(passwordFile !== undefined && existsSync(passwordFile)).toBe(true);
    expect(loadCompose({ POSTGRES_PASSWORD_SECRET: '/srv/secret/pg' }).secrets.get('postgres-password')).toBe(
      '/srv/secret/pg',
    );
  });

  it.each(replicas)(
    '%s: stores in that PostgreSQL as its role, with the password from the secret and nowhere else',
    (name) => {
      const c = config(name);
      const s = service(name);
      expect(c.storage.backend).toBe('postgres');
      const url = new URL(c.storage.url as string);
      expect([url.hostname, url.port, url.pathname, url.username, url.password]).toEqual([
        'postgres',
        '5432',
        `/${postgres.environment.POSTGRES_DB}`,
        postgres.environment.POSTGRES_USER,
        '',
      ]);
      expect(s.secrets).toEqual(['postgres-password']);
      expect(c.storage.passwordFile).toBe('/run/secrets/postgres-password');
      const password = readFileSync(passwordFile!, 'utf8').trim();
      expect(JSON.stringify(s.environment)).not.toContain(password);
      expect(JSON.stringify(c)).not.toContain(password);
      expect(s.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' } });
    },
  );

  it('the replicas share one config, probe list and public URL, and publish distinct loopback ports', () => {
    const [a, b] = replicas.map((name) => config(name));
    expect(a).toEqual(b);
    expect(replicas.map((name) => service(name).ports)).toEqual([['127.0.0.1:8081:8080'], ['127.0.0.1:8082:8080']]);
    for (const name of replicas) expect(service(name).environment.PROPWATCH_LISTEN__PORT).toBe('8080');
  });

  it('each HA probe reports to both replicas (a different first one across probes), with a token they know', () => {
    expect(haProbes).toHaveLength(3);
    const allowed = config('aggregator-1').probes as { id: string; token: string; region?: string }[];
    const firsts = new Set<string>();
    for (const probe of haProbes) {
      const c = config(probe.name);
      expect([...c.report.urls].sort()).toEqual(replicas.map(replicaUrl));
      expect(c.report.url).toBeUndefined();
      firsts.add(c.report.urls[0] as string);
      expect(allowed).toContainEqual({ id: c.probe.id, token: c.report.token, region: c.probe.region });
      // On its region network, with the sim (its targets) and both replicas; its own state volume.
      const [region] = Object.keys(probe.networks);
      expect(region).toBe(c.probe.region);
      for (const name of ['sim', ...replicas]) expect(Object.keys(service(name).networks)).toContain(region);
      expect(c.targets).toEqual(config(`probe-${region}`).targets);
      expect(compose.volumes).toContain(namedVolumeHolding(probe, c.report.spoolDir)?.source);
    }
    expect(firsts.size).toBe(2);
    expect(new Set(haProbes.map((p) => config(p.name).probe.id)).size).toBe(3);
    expect(new Set(haProbes.map((p) => namedVolumeHolding(p, config(p.name).stateDir)!.source)).size).toBe(3);
    // Their ids are not the demo probes': the SQLite aggregator and the replicas never share a probe.
    const demoIds = (config('aggregator').probes as { id: string }[]).map((p) => p.id);
    expect(allowed.filter((p) => demoIds.includes(p.id))).toEqual([]);
  });

  it('the HA beacon follows both replicas, on the network it shares with them', () => {
    expect(config('ha-beacon').aggregator.urls).toEqual(replicas.map(replicaUrl));
    expect(config('ha-beacon').driver).toBe('console');
    for (const name of replicas) expect(Object.keys(service(name).networks)).toContain('ops');
    expect(Object.keys(service('ha-beacon').networks)).toEqual(['ops']);
  });

  it('prometheus-ha.yml scrapes every replica; PROMETHEUS_CONFIG picks it for the monitoring profile', () => {
    const flag = (env: Record<string, string>) =>
      loadCompose(env)
        .services.get('prometheus')!
        .command!.find((arg) => arg.startsWith('--config.file='));
    expect(flag({})).toBe('--config.file=/etc/prometheus/prometheus.yml');
    expect(flag({ PROMETHEUS_CONFIG: 'prometheus-ha.yml' })).toBe('--config.file=/etc/prometheus/prometheus-ha.yml');
    const file = hostPathOf(service('prometheus'), '/etc/prometheus/prometheus-ha.yml')!;
    const scrape = parse(readFileSync(file, 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
      alerting: { alert_relabel_configs: { action: string; regex: string }[] };
    };
    const targets = (job: string) =>
      scrape.scrape_configs.find((c) => c.job_name === job)!.static_configs.flatMap((s) => s.targets);
    expect(targets('propwatch-aggregator')).toEqual(replicas.map((name) => replicaUrl(name).slice('http://'.length)));
    expect(targets('propwatch-probe')).toEqual(
      haProbes.map((p) => `${p.name}:${config(p.name).metrics.port as number}`),
    );
    // Every replica exports the same alarm: without `instance` the copies are one alert for Alertmanager.
    expect(scrape.alerting.alert_relabel_configs).toContainEqual({ action: 'labeldrop', regex: 'instance' });
    // Prometheus reaches the replicas on ops and the HA probes on their region networks.
    for (const s of [...replicas.map(service), ...haProbes])
      expect(
        Object.keys(s.networks).some((n) => n in service('prometheus').networks),
        s.name,
      ).toBe(true);
  });
});
