/**
 * The sim's own command-line flags. Each one sets a config key, so it goes
 * through the same conversion and validation as the file and PROPWATCH_*
 * variables, and a bad value is a config error that names the flag.
 */
import { type CommandFlags, ConfigError, type FlagOverride } from '@propwatch/shared';

export const SIM_FLAGS = {
  json: { type: 'boolean' },
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
} as const;

export const SIM_FLAG_LINES = [
  '      --zone <name>           zone served by every POP (default propwatch.test)',
  '      --pops <N|A,B,C>        number of POPs, spread over the regions (default 14), or a list of POP codes',
  '      --seed <n>              seed of every random draw (default 1)',
  '      --time-scale <x>        multiply every propagation delay (default 1)',
  '      --api-host <addr>       loopback address of the HTTP API (default 127.0.0.1)',
  '      --api-port <port>       HTTP port, 0 = random (default 0)',
  '      --dns-address <addr>    loopback address of the POPs (default 127.0.0.1)',
  '      --dns-port-base <port>  first POP port, others follow; 0 = random (default 0)',
  '      --fault <POP=kind>      slow[:ms] | stuck | down | flaky[:fraction]; repeatable',
  '      --anycast <default|none>',
  '                              anycast addresses ns1 127.0.53.1, ns2 127.0.53.2 (default), or none',
  '      --anycast-port <port>   port of every anycast address, 0 = one random port (default 0)',
  '      --vantages <default|none>',
  '                              the five default vantages, or none (every source is the default',
  '                              vantage: RTT 0); a list goes in the config file',
  '      --reroute <v:addr=POP[@time]>',
  "                              set vantage v's catchment for an anycast address, from the start",
  '                              or at a time after it (e.g. me-central:ns1=FRA@30s); repeatable',
  '      --udp-loss <fraction>   UDP queries lost, for every vantage that sets none (default 0)',
  '      --json                  print one JSON line with everything needed to use the sim',
  '      --log-level <level>     pino level for the JSON log on stderr (default info)',
];

/** Flag → config key, in the order they are applied. */
const KEYS: readonly (readonly [keyof typeof SIM_FLAGS, string])[] = [
  ['zone', 'zone'],
  ['seed', 'seed'],
  ['time-scale', 'timeScale'],
  ['api-host', 'apiHost'],
  ['api-port', 'apiPort'],
  ['dns-address', 'dnsAddress'],
  ['dns-port-base', 'dnsPortBase'],
  ['anycast-port', 'anycastPort'],
  ['udp-loss', 'udpLossRate'],
  ['log-level', 'logLevel'],
];

/** Flags that take a word of a key that also takes a list; the list only fits in a file. */
const WORDS: readonly (readonly ['anycast' | 'vantages', string])[] = [
  ['anycast', 'anycast'],
  ['vantages', 'vantages'],
];

/**
 * The config keys the flags set: flags win over file and environment;
 * `--fault` adds to `faults`, `--reroute` to `reroutes`.
 */
export function simFlagOverrides(flags: CommandFlags<typeof SIM_FLAGS>): FlagOverride[] {
  const overrides: FlagOverride[] = [];
  for (const [flag, key] of KEYS) {
    const value = flags[flag];
    if (typeof value === 'string') overrides.push({ key, flag: `--${flag}`, value });
  }
  for (const [flag, key] of WORDS) {
    const value = flags[flag];
    if (value === undefined) continue;
    if (value !== 'default' && value !== 'none')
      throw new ConfigError(
        key,
        value,
        'default or none (a list goes in the config file)',
        `command-line flag --${flag}`,
      );
    overrides.push({ key, flag: `--${flag}`, value });
  }
  if (flags.pops !== undefined)
    overrides.push({
      key: 'pops',
      flag: '--pops',
      // A count, or a comma list of POP codes: `pops` takes either.
      value: /^\s*[0-9]+\s*$/.test(flags.pops)
        ? Number(flags.pops)
        : flags.pops.split(',').map((name) => ({ name: name.trim() })),
    });
  if (flags.fault) overrides.push({ key: 'faults', flag: '--fault', value: flags.fault, append: true });
  if (flags.reroute) overrides.push({ key: 'reroutes', flag: '--reroute', value: flags.reroute, append: true });
  return overrides;
}
