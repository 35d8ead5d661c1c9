/** Every example config in examples/ loads through its component's real loader, with the secrets its header says come from the environment. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, collectSecrets } from '@propwatch/shared';
import type { TSchema } from 'typebox';
import { describe, expect, it } from 'vitest';
import { createPopFromNsid, type PopFromNsidConfig } from '../../probe/src/round/pop-from-nsid.js';
import { resolvePops } from '../../sim/src/topology.js';
import { ROOT } from './helpers/compose-file.js';
import { COMPONENTS, type ComponentName } from './helpers/components.js';

const EXAMPLES = join(ROOT, 'examples');

/** Which loader reads each file, and the environment an operator supplies with it. */
const CASES: Record<string, { component: ComponentName; env: Record<string, string> }> = {
  'probe.cloudflare.yaml': {
    component: 'probe',
    env: {
      PROPWATCH_WRITER__CLOUDFLARE__API_TOKEN: 'cf-api-token-example',
      PROPWATCH_REPORT__TOKEN: 'probe-token-example-0001',
    },
  },
  'probe.rfc2136.yaml': {
    component: 'probe',
    env: {
      PROPWATCH_WRITER__RFC2136__TSIG__SECRET: 'c2VjcmV0LXRzaWcta2V5LWV4YW1wbGU=',
      PROPWATCH_REPORT__TOKEN: 'probe-token-example-0001',
    },
  },
  'probe.anycast.yaml': {
    component: 'probe',
    env: {
      PROPWATCH_WRITER__RFC2136__TSIG__SECRET: 'c2VjcmV0LXRzaWcta2V5LWV4YW1wbGU=',
      PROPWATCH_REPORT__TOKEN: 'probe-token-example-0001',
    },
  },
  'aggregator.yaml': {
    component: 'aggregator',
    env: {
      PROPWATCH_PROBES: JSON.stringify([
        { id: 'aws-eu-west-1', token: 'token-aws-eu-west-1-0123456789', region: 'aws-eu-west-1' },
        { id: 'gcp-us-east1', token: 'token-gcp-us-east1-01234567890', region: 'gcp-us-east1' },
      ]),
      PROPWATCH_READ_TOKEN: 'read-token-example-0123456789',
    },
  },
  'alarm-pi.yaml': { component: 'alarm-pi', env: {} },
  'sim.yaml': { component: 'sim', env: {} },
  'compose/sim.yaml': { component: 'sim', env: { PROPWATCH_API_TOKEN: 'demo-sim-api-token-0001' } },
  'compose/probe.yaml': {
    component: 'probe',
    env: {
      PROPWATCH_WRITER__CLOUDFLARE__API_TOKEN: 'demo-sim-api-token-0001',
      PROPWATCH_REPORT__TOKEN: 'demo-token-probe-eu-west-0123',
      // Per region in docker-compose.yml (the sim's address differs per network).
      PROPWATCH_TARGETS: '[{"name": "SJC", "address": "10.117.1.53", "port": 5301}]',
    },
  },
  'compose/aggregator.yaml': { component: 'aggregator', env: {} },
  'compose/probe-ha.yaml': {
    component: 'probe',
    env: {
      PROPWATCH_WRITER__CLOUDFLARE__API_TOKEN: 'demo-sim-api-token-0001',
      PROPWATCH_REPORT__TOKEN: 'demo-token-ha-eu-west-012345',
      PROPWATCH_TARGETS: '[{"name": "SJC", "address": "10.117.1.53", "port": 5301}]',
    },
  },
  // The password is read from storage.passwordFile when the store opens, not when the config loads.
  'compose/aggregator-ha.yaml': { component: 'aggregator', env: {} },
  'compose/alarm-ha.yaml': { component: 'alarm-pi', env: {} },
};

function yamlFilesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? yamlFilesUnder(join(dir, entry.name), `${prefix}${entry.name}/`)
      : /\.ya?ml$/.test(entry.name)
        ? [`${prefix}${entry.name}`]
        : [],
  );
}

describe('examples/', () => {
  it('has a loader case for every YAML file, and a file for every case', () => {
    expect(yamlFilesUnder(EXAMPLES).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s validates against its schema', (file, { component, env }) => {
    const config = COMPONENTS[component].load(join(EXAMPLES, file), env, []);
    expect(config).toBeTypeOf('object');
  });

  // The production examples keep secrets out of the file (compose/ holds demo tokens on purpose).
  it.each(Object.entries(CASES).filter(([file]) => !file.startsWith('compose/')))(
    '%s holds no secret: without its env it fails or has none',
    (file, { component }) => {
      let config: unknown;
      try {
        config = COMPONENTS[component].load(join(EXAMPLES, file), {}, []);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return;
      }
      expect(collectSecrets(COMPONENTS[component].schema as TSchema, config)).toEqual([]);
    },
  );

  // A timeout always alarms (issue 12 item 1): a probe waiting no longer than the threshold alarms on every POP
  // slower than its wait, and before that fix a stuck POP never alarmed at all with these files.
  it.each([
    ['probe.rfc2136.yaml', 'aggregator.yaml'],
    ['probe.cloudflare.yaml', 'aggregator.yaml'],
    ['probe.anycast.yaml', 'aggregator.yaml'],
    ['compose/probe.yaml', 'compose/aggregator.yaml'],
    ['compose/probe-ha.yaml', 'compose/aggregator-ha.yaml'],
  ])("%s waits longer than %s's alarm threshold", (probeFile, aggregatorFile) => {
    const load = (file: string) => COMPONENTS[CASES[file]!.component].load(join(EXAMPLES, file), CASES[file]!.env, []);
    const probe = load(probeFile) as { round: { maxWaitMs: number } };
    const aggregator = load(aggregatorFile) as { status: { alarmAboveMs: number } };
    expect(probe.round.maxWaitMs).toBeGreaterThan(aggregator.status.alarmAboveMs);
  });

  it('the anycast example polls two anycast NS addresses and names POPs from the NSIDs its comments show', () => {
    const file = join(EXAMPLES, 'probe.anycast.yaml');
    const probe = COMPONENTS.probe.load(file, CASES['probe.anycast.yaml']!.env, []) as {
      targets: { name: string; kind: string }[];
      popFromNsid: PopFromNsidConfig;
      query: { nsid: boolean };
    };
    expect(probe.targets.filter((t) => t.kind === 'anycast').map((t) => t.name)).toEqual(['ns1', 'ns2']);
    expect(probe.query.nsid).toBe(true);
    // The mappings the file documents ("lhr1.ns.example.net -> LHR"), read from its own comments.
    const documented = [...readFileSync(file, 'utf8').matchAll(/([a-z0-9-]+(?:\.[a-z0-9-]+)+) -> ([A-Z]{3})/g)];
    expect(documented.length).toBeGreaterThanOrEqual(3);
    const popOf = createPopFromNsid(probe.popFromNsid);
    for (const [, nsid, pop] of documented) expect([nsid, popOf(nsid!)]).toEqual([nsid, pop]);
    // An NSID neither the table nor the pattern covers is reported as itself, not forced into a POP.
    expect(popOf('lhr1.ns.other.example')).toBe('lhr1.ns.other.example');
  });

  it('the sim example resolves to POPs the sim would start (loopback, fixed ports)', () => {
    const sim = COMPONENTS.sim.load(join(EXAMPLES, 'sim.yaml'), {}, []) as {
      pops: number | { name: string }[];
      dnsAddress: string;
      dnsPortBase: number;
      faults: string[];
    };
    const pops = resolvePops({ pops: sim.pops, defaultAddress: sim.dnsAddress, dnsPortBase: sim.dnsPortBase });
    expect(pops.map((p) => `${p.name}@${p.port}`)).toEqual([
      'SJC@5301',
      'LAX@5302',
      'LHR@5303',
      'FRA@5304',
      'SIN@5305',
      'SYD@5306',
    ]);
    expect(sim.faults.map((f) => f.split('=')[0])).toEqual(['SYD', 'SIN']);
  });
});
