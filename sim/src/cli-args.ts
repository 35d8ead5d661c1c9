/** Command-line flags of propwatch-sim; they override the config file and environment. */
import { parseArgs } from 'node:util';
import type { SimConfig } from './config-schema.js';

export const HELP = `propwatch-sim — a simulated anycast DNS network on loopback

Usage: propwatch-sim [options]

Options:
  --config <file>         YAML config file (also PROPWATCH_CONFIG)
  --zone <name>           zone served by every POP (default propwatch.test)
  --pops <N|A,B,C>        number of POPs (default 14) or a list of POP codes
  --seed <n>              seed of every random draw (default 1)
  --time-scale <x>        multiply every propagation delay (default 1)
  --api-host <addr>       loopback address of the HTTP API (default 127.0.0.1)
  --api-port <port>       HTTP port, 0 = random (default 0)
  --dns-address <addr>    loopback address of the POPs (default 127.0.0.1)
  --dns-port-base <port>  first POP port, others follow; 0 = random (default 0)
  --fault <POP=kind>      slow[:ms] | stuck | down | flaky[:fraction]; repeatable
  --anycast <default|none>
                          anycast addresses ns1 127.0.53.1, ns2 127.0.53.2 (default), or none
  --anycast-port <port>   port of every anycast address, 0 = one random port (default 0)
  --vantages <default|none>
                          the five default vantages, or none (every source is the
                          default vantage: RTT 0); a list goes in the config file
  --reroute <v:addr=POP[@time]>
                          set vantage v's catchment for an anycast address, from the
                          start or at a time after it (e.g. me-central:ns1=FRA@30s);
                          repeatable
  --udp-loss <fraction>   UDP queries lost, for every vantage that sets none (default 0)
  --json                  print one JSON line with everything needed to use the sim
  --log-level <level>     pino level for the JSON log on stderr (default info)
  --version               print the version
  --help                  print this help

Environment: every config key as PROPWATCH_<KEY> (e.g. PROPWATCH_API_TOKEN,
PROPWATCH_TIME_SCALE). Stops cleanly on SIGINT/SIGTERM.`;

export interface CliArgs {
  help: boolean;
  version: boolean;
  json: boolean;
  configFile: string | undefined;
  overrides: Partial<SimConfig>;
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      json: { type: 'boolean' },
      config: { type: 'string' },
      zone: { type: 'string' },
      pops: { type: 'string' },
      seed: { type: 'string' },
      'time-scale': { type: 'string' },
      'api-host': { type: 'string' },
      'api-port': { type: 'string' },
      'dns-address': { type: 'string' },
      'dns-port-base': { type: 'string' },
      fault: { type: 'string', multiple: true },
      anycast: { type: 'string' },
      'anycast-port': { type: 'string' },
      vantages: { type: 'string' },
      reroute: { type: 'string', multiple: true },
      'udp-loss': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const overrides: Record<string, unknown> = {};
  const number = (flag: string, text: string | undefined, integer: boolean) => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
      throw new Error(`--${flag} ${JSON.stringify(text)}: expected ${integer ? 'an integer' : 'a number'}`);
    return value;
  };
  const word = (flag: string, text: string | undefined) => {
    if (text === undefined || text === 'default' || text === 'none') return text;
    throw new Error(`--${flag} ${JSON.stringify(text)}: expected default or none (a list goes in the config file)`);
  };
  const set = (key: keyof SimConfig, value: unknown) => {
    if (value !== undefined) overrides[key] = value;
  };
  set('zone', values.zone);
  if (values.pops !== undefined)
    set(
      'pops',
      /^[0-9]+$/.test(values.pops)
        ? Number(values.pops)
        : values.pops.split(',').map((name) => ({ name: name.trim() })),
    );
  set('seed', number('seed', values.seed, true));
  set('timeScale', number('time-scale', values['time-scale'], false));
  set('apiHost', values['api-host']);
  set('apiPort', number('api-port', values['api-port'], true));
  set('dnsAddress', values['dns-address']);
  set('dnsPortBase', number('dns-port-base', values['dns-port-base'], true));
  set('faults', values.fault);
  set('anycast', word('anycast', values.anycast));
  set('anycastPort', number('anycast-port', values['anycast-port'], true));
  set('vantages', word('vantages', values.vantages));
  set('reroutes', values.reroute);
  set('udpLossRate', number('udp-loss', values['udp-loss'], false));
  set('logLevel', values['log-level']);
  return {
    help: values.help ?? false,
    version: values.version ?? false,
    json: values.json ?? false,
    configFile: values.config,
    overrides: overrides as Partial<SimConfig>,
  };
}
