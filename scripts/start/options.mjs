// The command line of `npm start`: flags, their bounds and the usage text.
// Pure: parseStartArgs returns the settings or a problem, never exits, so
// tests call it directly and start.mjs decides what to print.
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** What a bad command line exits with, as every propwatch command does (EX_USAGE is for the config, 78). */
export const EXIT_USAGE = 2;

export const usage = (defaultDataDir) => `npm start [-- options]    the propwatch demo on the simulated network

  --pops N              POPs in the simulated network, spread over its regions (default 14)
  --probes N            probes (default: one per sim vantage, 5; with --unicast 3)
  --unicast             probe every POP's own address instead of the anycast ns1/ns2 (the pre-anycast demo)
  --port N              aggregator HTTP port, dashboard at http://127.0.0.1:N/ (default 8080)
  --round-interval MS   time between rounds of each probe (default 15000)
  --threshold MS        alarm when a POP takes longer than this (default 12000)
  --scenario NAME       stuck (default) or none
  --stuck-pop POP       POP made stuck by the scenario (default LHR, or the last POP when there is no LHR)
  --stuck-at S          seconds after the status is first OK when it gets stuck (default 60)
  --stuck-for S         seconds it stays stuck (default 60)
  --reroute-after S     anycast: seconds after the recovery when a vantage's catchment is rerouted (default 30)
  --seed N              seed of the simulated delays (default 1)
  --time-scale X        multiply every simulated delay by X (default 1: real-looking 0.3-8 s)
  --data-dir DIR        SQLite database, spools and logs (default ${defaultDataDir})
  --keep-data           keep what a previous run left in the data directory (default: start empty)
  -h, --help            this text

Ctrl-C stops every process cleanly.`;

const OPTIONS = {
  pops: { type: 'string', default: '14' },
  probes: { type: 'string' },
  unicast: { type: 'boolean', default: false },
  'reroute-after': { type: 'string', default: '30' },
  port: { type: 'string', default: '8080' },
  'round-interval': { type: 'string', default: '15000' },
  threshold: { type: 'string', default: '12000' },
  scenario: { type: 'string', default: 'stuck' },
  'stuck-pop': { type: 'string' },
  'stuck-at': { type: 'string', default: '60' },
  'stuck-for': { type: 'string', default: '60' },
  seed: { type: 'string', default: '1' },
  'time-scale': { type: 'string', default: '1' },
  'data-dir': { type: 'string' },
  'keep-data': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
};

const INTEGERS = {
  pops: ['pops', 1, 500],
  probes: ['probes', 1, 50],
  port: ['port', 1, 65535],
  roundIntervalMs: ['round-interval', 1000, 3_600_000],
  thresholdMs: ['threshold', 100, 3_600_000],
  stuckAtS: ['stuck-at', 0, 86_400],
  stuckForS: ['stuck-for', 1, 86_400],
  rerouteAfterS: ['reroute-after', 0, 86_400],
  seed: ['seed', 0, 2 ** 32 - 1],
};

/**
 * The settings of a run, `{help: true}`, or `{problem}`: one line naming the
 * flag (node's own wording for an unknown flag or a missing value).
 */
export function parseStartArgs(argv, root) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs throws TypeErrors with a code: a person needs the message, not the stack.
    if (typeof error?.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) return { problem: error.message };
    throw error;
  }
  if (values.help) return { help: true };
  values.probes ??= values.unicast ? '3' : '5';
  const settings = {};
  for (const [key, [flag, min, max]] of Object.entries(INTEGERS)) {
    const value = Number(values[flag]);
    if (!/^\d+$/.test(values[flag]) || value < min || value > max)
      return { problem: `--${flag} ${values[flag]}: expected an integer from ${min} to ${max}` };
    settings[key] = value;
  }
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0 && timeScale <= 100))
    return { problem: `--time-scale ${values['time-scale']}: expected a number above 0 and at most 100` };
  if (!['stuck', 'none'].includes(values.scenario))
    return { problem: `--scenario ${values.scenario}: expected stuck or none` };
  return {
    settings: {
      ...settings,
      timeScale,
      unicast: values.unicast,
      scenario: values.scenario,
      stuckPop: values['stuck-pop']?.toUpperCase(),
      dataDir: values['data-dir'] ?? join(root, '.data', 'demo'),
      keepData: values['keep-data'],
    },
  };
}

/**
 * The POP the scenario makes stuck: the one asked for, else LHR, else the
 * last. `{problem}` names an unknown one with the list of those there are.
 */
export function chooseStuckPop(asked, popNames) {
  if (asked === undefined) return { pop: popNames.includes('LHR') ? 'LHR' : popNames.at(-1) };
  if (popNames.includes(asked)) return { pop: asked };
  return {
    problem: `--stuck-pop ${asked}: no such POP; the ${popNames.length} POPs are ${popNames.join(' ')} (see --pops)`,
  };
}
