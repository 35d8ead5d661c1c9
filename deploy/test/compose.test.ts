/**
 * No Docker engine runs here, so docker-compose.yml is checked against the
 * code it starts: commands and flags against each CLI's real parser, env
 * names against the config schemas, mounted configs through the real
 * loaders, and ports, tokens and targets across services.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolvePops, isLoopback } from '../../sim/src/topology.js';
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
const dockerStages = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map(
  (m) => m[1],
);

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
const probes = propwatchServices.filter((s) => parseCommand(s.command)!.component === 'probe');

describe('docker-compose.yml: every propwatch service', () => {
  it('runs one of the four components', () => {
    expect(propwatchServices.map((s) => s.name).sort()).toEqual([
      'aggregator',
      'alarm-pi',
      'alarm-pi-sysfs',
      'beacon',
      'probe-1',
      'probe-2',
      'probe-3',
      'sim',
    ]);
    for (const service of services.filter((s) => !parseCommand(s.command)))
      expect(service.image, service.name).toMatch(/^(prom\/prometheus|grafana\/grafana-oss):v?[0-9]/);
  });

  it.each(propwatchServices.map((s) => [s.name, s] as const))(
    '%s: entry point is the built CLI its package bin runs, built from a Dockerfile stage',
    (_name, service) => {
      const { component, entry } = parseCommand(service.command)!;
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
      expect(service.build?.context).toBe('.');
      expect(dockerStages).toContain(service.build?.target);
    },
  );

  it.each(propwatchServices.map((s) => [s.name, s] as const))(
    '%s: flags are accepted by the CLI parser',
    async (_name, service) => {
      const { component, args } = parseCommand(service.command)!;
      expect(await COMPONENTS[component].acceptsArgs(args)).toBe(true);
      expect(await COMPONENTS[component].acceptsArgs([...args, '--no-such-flag'])).toBe(false);
    },
  );

  it.each(propwatchServices.map((s) => [s.name, s] as const))(
    '%s: every PROPWATCH_* variable names a config key',
    (_name, service) => {
      const known = envNamesOf(parseCommand(service.command)!.component);
      const names = Object.keys(service.environment).filter((name) => name.startsWith('PROPWATCH_'));
      expect(names.filter((name) => !known.has(name))).toEqual([]);
    },
  );

  it.each(propwatchServices.map((s) => [s.name, s] as const))('%s: bind-mounted files exist', (_name, service) => {
    for (const mount of service.volumes.filter((m) => !m.named && m.source.startsWith(ROOT)))
      expect(existsSync(mount.source), mount.source).toBe(true);
  });
});

describe('docker-compose.yml: the demo stack fits together', () => {
  const aggregator = compose.services.get('aggregator')!;
  const port = config('aggregator').listen.port as number;

  it('aggregator listens on all interfaces at the published port, and both healthcheck URLs use that port', () => {
    expect(config('aggregator').listen.host).toBe('0.0.0.0');
    expect(aggregator.ports.map(containerPort)).toEqual([port]);
    const check = aggregator.healthcheck!.test.join(' ');
    expect(check).toContain('/healthz');
    expect(check).toContain('/readyz');
    expect([...check.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]))).toEqual([port]);
  });

  it('the SQLite database lives on a named volume', () => {
    const volume = namedVolumeHolding(aggregator, config('aggregator').storage.path as string);
    expect(volume).toBeDefined();
    expect(compose.volumes).toContain(volume!.source);
  });

  it('three probes with distinct ids, regions, tokens, metrics ports and state volumes, each known to the aggregator', () => {
    expect(probes.map((p) => p.name)).toEqual(['probe-1', 'probe-2', 'probe-3']);
    const loaded = probes.map((p) => config(p.name));
    for (const key of [
      (c: Loaded) => c.probe.id,
      (c: Loaded) => c.probe.region,
      (c: Loaded) => c.report.token,
      (c: Loaded) => c.metrics.port,
    ]) {
      expect(new Set(loaded.map(key)).size).toBe(3);
    }
    const allowed = config('aggregator').probes as { id: string; token: string; region?: string }[];
    for (const [index, probe] of probes.entries()) {
      const c = loaded[index]!;
      expect(allowed).toContainEqual({ id: c.probe.id, token: c.report.token, region: c.probe.region });
      expect(c.report.url).toBe(`http://aggregator:${port}`);
      for (const dir of [c.stateDir, c.report.spoolDir])
        expect(compose.volumes).toContain(namedVolumeHolding(probe, dir)?.source);
    }
    expect(new Set(probes.map((p) => namedVolumeHolding(p, config(p.name).stateDir)!.source)).size).toBe(3);
  });

  it('one variable (.env) changes a probe token on both sides', () => {
    const custom = loadCompose({ PROBE_2_TOKEN: 'token-from-dot-env-0123456789' });
    const aggregatorConfig = loadServiceConfig(custom.services.get('aggregator')!);
    const probeConfig = loadServiceConfig(custom.services.get('probe-2')!);
    expect(probeConfig.report.token).toBe('token-from-dot-env-0123456789');
    expect(aggregatorConfig.probes).toContainEqual({
      id: 'probe-2',
      region: probeConfig.probe.region,
      token: 'token-from-dot-env-0123456789',
    });
  });

  it('probes reach the loopback-only sim by sharing its network namespace', () => {
    const sim = config('sim');
    expect(isLoopback(sim.apiHost)).toBe(true);
    expect(isLoopback(sim.dnsAddress)).toBe(true);
    for (const probe of probes) expect(probe.network_mode).toBe('service:sim');
  });

  it('probe targets are exactly the sim POPs, and the writer points at the sim API with its token and zone', () => {
    const sim = config('sim');
    const pops = resolvePops({ pops: sim.pops, defaultAddress: sim.dnsAddress, dnsPortBase: sim.dnsPortBase });
    expect(pops.every((p) => p.port > 0)).toBe(true);
    for (const probe of probes) {
      const c = config(probe.name);
      expect(c.targets).toEqual(pops.map((p) => ({ name: p.name, address: p.address, port: p.port, kind: 'unicast' })));
      expect(c.zone).toBe(sim.zone);
      expect(c.writer).toMatchObject({
        kind: 'cloudflare',
        cloudflare: {
          apiBaseUrl: `http://${sim.apiHost}:${sim.apiPort}/client/v4`,
          apiToken: sim.apiToken,
          zoneId: sim.zoneId,
        },
      });
    }
    const simCheck = compose.services.get('sim')!.healthcheck!.test.join(' ');
    expect(simCheck).toContain(`http://${sim.apiHost}:${sim.apiPort}/metrics`);
  });

  it('a stuck POP can alarm within a round: maxWaitMs exceeds the alarm threshold', () => {
    for (const probe of probes)
      expect(config(probe.name).round.maxWaitMs).toBeGreaterThan(config('aggregator').status.alarmAboveMs);
  });

  it('the beacon clients poll this aggregator; GPIO ones sit in a profile with the access their driver needs', () => {
    for (const name of ['beacon', 'alarm-pi', 'alarm-pi-sysfs'])
      expect(config(name).aggregator.url).toBe(`http://aggregator:${port}`);
    expect(config('beacon').driver).toBe('console');
    expect(compose.services.get('beacon')!.profiles).toEqual([]);
    const gpiod = compose.services.get('alarm-pi')!;
    expect(config('alarm-pi').driver).toBe('gpioset');
    expect(gpiod.profiles).toEqual(['pi']);
    expect(gpiod.devices.map((d) => d.split(':')[0])).toContain(`/dev/${config('alarm-pi').gpioset.chip}`);
    const sysfs = compose.services.get('alarm-pi-sysfs')!;
    expect(config('alarm-pi-sysfs').driver).toBe('gpio');
    expect(sysfs.profiles).toEqual(['pi-sysfs']);
    expect(sysfs.privileged).toBe(true);
    expect(sysfs.volumes.some((m) => m.source === '/sys' && m.target === '/sys')).toBe(true);
  });

  it('Prometheus and Grafana are optional (profile monitoring) and scrape what the services expose', () => {
    for (const name of ['prometheus', 'grafana']) expect(compose.services.get(name)!.profiles).toEqual(['monitoring']);
    const prometheus = compose.services.get('prometheus')!;
    const configFile = hostPathOf(prometheus, '/etc/prometheus/prometheus.yml')!;
    const scrape = parse(readFileSync(configFile, 'utf8')) as {
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const targets = (job: string) =>
      scrape.scrape_configs.find((c) => c.job_name === job)!.static_configs.flatMap((s) => s.targets);
    expect(targets('propwatch-aggregator')).toEqual([`aggregator:${port}`]);
    // Probes live in the sim's namespace, so their metrics answer at sim:<port>, on all interfaces.
    expect(targets('propwatch-probe')).toEqual(probes.map((p) => `sim:${config(p.name).metrics.port}`));
    for (const p of probes) expect(config(p.name).metrics.host).toBe('0.0.0.0');
    for (const mount of [...prometheus.volumes, ...compose.services.get('grafana')!.volumes].filter((m) => !m.named))
      expect(existsSync(mount.source), mount.source).toBe(true);
    expect(existsSync(join(dirname(configFile), 'alerts.yml'))).toBe(true);
  });
});
