#!/usr/bin/env node
// The demo stack behind `npm start`: the simulated network, the aggregator,
// several probes and the beacon client (console driver), each its own
// process, exactly as they would run in production. By default the probes
// watch the anycast addresses ns1/ns2 from the sim's five vantages (one probe
// each, bound to the vantage's source address), so each sees its catchment
// and some POPs are seen by none. A scripted scenario makes one POP stuck so
// the alarm and the beacon visibly turn on, then clears it, then reroutes a
// vantage's catchment (no alarm). --unicast probes every POP's own address.
// Only Node built-ins are used. What it prints comes from machine interfaces:
// the sim's ready line, the aggregator's read API (rounds, status) and the
// console driver's light; the children's JSON logs go to files.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createChildren } from './start/children.mjs';
import { prepareDataDir } from './start/data-dir.mjs';
import { blindSpots, chooseReroute, describeCatchments, probeVantages } from './start/anycast-plan.mjs';
import { aggregatorConfig, anycastProbes, demoProbes, probeConfig } from './start/demo-configs.mjs';
import { EXIT_USAGE, chooseStuckPop, parseStartArgs, usage } from './start/options.mjs';
import { runStuckScenario } from './start/scenario.mjs';
import { BLINKING, watchAggregator } from './start/watch-api.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const defaultDataDir = join(root, '.data', 'demo');
const parsed = parseStartArgs(process.argv.slice(2), root);
if (parsed.help) {
  console.log(usage(defaultDataDir));
  process.exit(0);
}
if (parsed.problem) {
  console.error(`npm start: ${parsed.problem}\n\n${usage(defaultDataDir)}`);
  process.exit(EXIT_USAGE);
}
const { settings } = parsed;
const prepared = prepareDataDir(
  resolve(settings.dataDir),
  settings.keepData,
  resolve(settings.dataDir) === defaultDataDir,
);
if (prepared.problem) {
  console.error(`npm start: ${prepared.problem}`);
  process.exit(EXIT_USAGE);
}
const dataDir = prepared.dir;
const logDir = join(dataDir, 'logs');
const time = () => new Date().toISOString().slice(11, 19);
const say = (text) => console.log(`[${time()}] ${text}`);
const children = createChildren({ root, logDir, say });
const watching = new AbortController();

async function stop(code) {
  if (children.stopping) return;
  watching.abort();
  say('stopping…');
  await children.stopAll();
  process.exit(code);
}
children.onUnexpectedExit(() => void stop(1));
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

// 1. The simulated network: its --json line tells where everything is.
const simArgs = ['--json', '--pops', String(settings.pops), '--seed', String(settings.seed)];
const sim = await new Promise((resolveSim) => {
  children.start('sim', 'sim/dist/cli.js', [...simArgs, '--time-scale', String(settings.timeScale)], {
    onLine: (line) => {
      if (!line.startsWith('{')) return;
      try {
        const ready = JSON.parse(line);
        if (ready.event === 'propwatch-sim.ready') resolveSim(ready);
      } catch {
        /* a log line, not the ready line */
      }
    },
  });
});
say(`sim: ${sim.pops.length} POPs on ${sim.pops[0].address} (ports ${sim.pops[0].port}…), provider API ${sim.apiUrl}`);
say(`     ${sim.pops.map((p) => `${p.name} (${p.region})`).join(' ')}`);
const stuck =
  settings.scenario === 'stuck'
    ? chooseStuckPop(
        settings.stuckPop,
        sim.pops.map((p) => p.name),
      )
    : {};
if (stuck.problem) {
  console.error(`npm start: ${stuck.problem}`);
  await stop(EXIT_USAGE);
}

const popNames = sim.pops.map((p) => p.name);
let probes;
let reroute;
if (settings.unicast) {
  probes = demoProbes(settings.probes);
  say(`unicast: each of ${probes.length} probes measures every POP through its own address`);
} else {
  const vantages = probeVantages(sim, settings.probes);
  probes = anycastProbes(vantages);
  const blind = blindSpots(sim, vantages);
  const addresses = sim.anycast.map((a) => `${a.name} ${a.address}`).join(', ');
  say(`anycast: ${addresses} (port ${sim.anycast[0].port}), POP named by NSID ${sim.nsidPattern}`);
  say(`catchments (probe = vantage, source address, RTT, which POP each address reaches):`);
  for (const line of describeCatchments(vantages)) say(`     ${line}`);
  say(`blind spots (in no probe's catchment): ${blind.length ? blind.join(' ') : 'none'}`);
  if (stuck.pop && blind.includes(stuck.pop)) say(`note: ${stuck.pop} is a blind spot: no probe can see it stuck`);
  reroute = settings.scenario === 'stuck' ? chooseReroute(vantages, blind, stuck.pop, popNames) : undefined;
}

// 2. The aggregator, with one token per probe.
const aggregatorFile = join(dataDir, 'aggregator.yaml');
writeFileSync(aggregatorFile, JSON.stringify(aggregatorConfig(settings, probes, dataDir, popNames), null, 2));
children.start('aggregator', 'aggregator/dist/cli.js', ['--config', aggregatorFile], {
  hint: `if port ${settings.port} is taken, npm start -- --port N runs the demo on another one`,
});
const base = `http://127.0.0.1:${settings.port}`;
for (let i = 0; ; i++) {
  // Ready means the database takes writes; a foreign server on the port would not answer this.
  const ready = await fetch(`${base}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ready) break;
  if (i > 300) {
    say(`the aggregator did not get ready on ${base} within 30 s; its log: ${join(logDir, 'aggregator.log')}`);
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}

// 3. The probes: each its own canary, its targets, reporting to the aggregator.
for (const probe of probes) {
  const file = join(dataDir, `${probe.id}.yaml`);
  writeFileSync(file, JSON.stringify(probeConfig(settings, probe, sim, base, dataDir), null, 2));
  children.start(probe.id, 'probe/dist/cli.js', ['--config', file]);
}

// 4. Rounds and status changes, from the aggregator's read API.
const aggregator = watchAggregator(base, { say, signal: watching.signal, coverage: !settings.unicast });

// 5. The beacon, with the console driver: its stdout is the light. While the
// status makes it blink, its lines would flood the terminal; the STATUS line says so.
children.start('beacon', 'alarm-pi/dist/cli.js', ['--driver', 'console'], {
  onLine: (line) => {
    if (!BLINKING.has(aggregator.current().state)) say(`beacon  ${line}`);
  },
  env: {
    PROPWATCH_AGGREGATOR__URL: base,
    PROPWATCH_POLL__INTERVAL_MS: '1000',
    PROPWATCH_BEACON__LAMP_TEST: 'false',
    PROPWATCH_BEACON__MIN_ON_MS: '5000',
  },
});
say(`dashboard: ${base}/   (logs in ${logDir}; Ctrl-C stops everything)`);

// 6. The scenario: one POP stops receiving changes, then recovers; then a catchment moves.
if (stuck.pop)
  runStuckScenario({ sim, pop: stuck.pop, settings, say, firstOk: aggregator.firstOk, reroute, aggregatorUrl: base });
