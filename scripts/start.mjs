#!/usr/bin/env node
// The demo stack behind `npm start`: the simulated network, the aggregator,
// several probes and the beacon client (console driver), each its own
// process, exactly as they would run in production. A scripted scenario makes
// one POP stuck so the alarm and the beacon visibly turn on, then clears it.
// Only Node built-ins are used; children log JSON to files under the data
// directory and this script prints a one-line summary per round.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HELP = `npm start [-- options]    the propwatch demo on the simulated network

  --pops N              POPs in the simulated network (default 14)
  --probes N            probes (default 3)
  --port N              aggregator HTTP port, dashboard at http://127.0.0.1:N/ (default 8080)
  --round-interval MS   time between rounds of each probe (default 15000)
  --threshold MS        alarm when a POP takes longer than this (default 12000)
  --scenario NAME       stuck (default) or none
  --stuck-pop POP       POP made stuck by the scenario (default LHR, or the last POP when there is no LHR)
  --stuck-at S          seconds after start when it gets stuck (default 60)
  --stuck-for S         seconds it stays stuck (default 60)
  --seed N              seed of the simulated delays (default 1)
  --time-scale X        multiply every simulated delay by X (default 1: real-looking 0.3-8 s)
  --data-dir DIR        SQLite database, spools and logs (default .data/demo)
  -h, --help            this text

Ctrl-C stops every process cleanly.`;

const { values: flags } = parseArgs({
  options: {
    pops: { type: 'string', default: '14' },
    probes: { type: 'string', default: '3' },
    port: { type: 'string', default: '8080' },
    'round-interval': { type: 'string', default: '15000' },
    threshold: { type: 'string', default: '12000' },
    scenario: { type: 'string', default: 'stuck' },
    'stuck-pop': { type: 'string' },
    'stuck-at': { type: 'string', default: '60' },
    'stuck-for': { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    'time-scale': { type: 'string', default: '1' },
    'data-dir': { type: 'string', default: join(root, '.data', 'demo') },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});
if (flags.help) {
  console.log(HELP);
  process.exit(0);
}
const number = (name, min, max) => {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} ${flags[name]}: expected an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return value;
};
const settings = {
  pops: number('pops', 1, 500),
  probes: number('probes', 1, 50),
  port: number('port', 1, 65535),
  roundIntervalMs: number('round-interval', 1000, 3_600_000),
  thresholdMs: number('threshold', 100, 3_600_000),
  stuckAtS: number('stuck-at', 0, 86_400),
  stuckForS: number('stuck-for', 1, 86_400),
  seed: number('seed', 0, 2 ** 32 - 1),
};
const timeScale = Number(flags['time-scale']);
if (!(timeScale > 0 && timeScale <= 100)) {
  console.error(`--time-scale ${flags['time-scale']}: expected a number above 0 and at most 100`);
  process.exit(2);
}
if (!['stuck', 'none'].includes(flags.scenario)) {
  console.error(`--scenario ${flags.scenario}: expected stuck or none`);
  process.exit(2);
}

const dataDir = resolve(flags['data-dir']);
const logDir = join(dataDir, 'logs');
mkdirSync(logDir, { recursive: true });
const children = [];
const time = () => new Date().toISOString().slice(11, 19);
const say = (text) => console.log(`[${time()}] ${text}`);

/** Starts a component; its stdout/stderr go to a log file, and `onLine` sees stdout lines. */
function start(name, script, args, onLine, env = {}) {
  const child = spawn(process.execPath, [join(root, script), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  child.stderr.pipe(log, { end: false });
  createInterface({ input: child.stdout }).on('line', (line) => {
    log.write(`${line}\n`);
    onLine?.(line);
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); see ${join(logDir, `${name}.log`)}`);
      void stop(1);
    }
  });
  children.push({ name, child });
  return child;
}

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  // Reverse order: the beacon first (it turns the light off), the sim last.
  for (const { name, child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const exited = await Promise.race([
      new Promise((r) => child.once('exit', () => r(true))),
      new Promise((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!exited) {
      say(`${name} did not stop within 5 s; killing it`);
      child.kill('SIGKILL');
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

// 1. The simulated network: its --json line tells where everything is.
const sim = await new Promise((resolveSim, reject) => {
  const child = start(
    'sim',
    'sim/dist/cli.js',
    ['--json', '--pops', String(settings.pops), '--seed', String(settings.seed), '--time-scale', String(timeScale)],
    (line) => {
      if (line.startsWith('{')) {
        try {
          const ready = JSON.parse(line);
          if (ready.event === 'propwatch-sim.ready') resolveSim(ready);
        } catch {
          /* a log line, not the ready line */
        }
      }
    },
  );
  child.once('exit', () => reject(new Error(`the sim did not start; see ${join(logDir, 'sim.log')}`)));
});
say(`sim: ${sim.pops.length} POPs on ${sim.pops[0].address} (ports ${sim.pops[0].port}…), provider API ${sim.apiUrl}`);

// 2. The aggregator, with one token per probe.
const probes = Array.from({ length: settings.probes }, (_, i) => ({
  id: `demo-${i + 1}`,
  region: ['eu-west', 'us-east', 'ap-southeast', 'sa-east', 'af-south'][i % 5],
  token: randomBytes(24).toString('hex'),
}));
const quorum = Math.min(2, settings.probes);
const aggregatorConfig = {
  listen: { host: '127.0.0.1', port: settings.port },
  publicUrl: `http://127.0.0.1:${settings.port}`,
  storage: { path: join(dataDir, 'aggregator.db'), retentionDays: 7 },
  probes: probes.map(({ id, token, region }) => ({ id, token, region })),
  analysis: { windowMs: settings.roundIntervalMs * 4 },
  status: {
    alarmAboveMs: settings.thresholdMs,
    clearBelowMs: Math.round(settings.thresholdMs * 0.75),
    quorum,
    minFreshProbes: quorum,
    staleAfterMs: settings.roundIntervalMs * 3,
  },
};
// JSON is YAML, so the loaders read these files as they are.
const aggregatorFile = join(dataDir, 'aggregator.yaml');
writeFileSync(aggregatorFile, JSON.stringify(aggregatorConfig, null, 2));
start('aggregator', 'aggregator/dist/cli.js', ['--config', aggregatorFile]);
const base = `http://127.0.0.1:${settings.port}`;
for (let i = 0; ; i++) {
  const up = await fetch(`${base}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (up) break;
  if (i > 100) {
    say(
      `the aggregator did not answer on ${base}; see ${join(logDir, 'aggregator.log')} (is port ${settings.port} taken? try --port)`,
    );
    await stop(1);
  }
  await new Promise((r) => setTimeout(r, 100));
}

// 3. The probes: each its own canary, all POPs, reporting to the aggregator.
let status = { state: 'stale', reason: 'starting' };
for (const probe of probes) {
  const config = {
    probe: { id: probe.id, region: probe.region },
    zone: sim.zone,
    writer: { kind: 'cloudflare', cloudflare: { apiBaseUrl: sim.apiUrl, apiToken: sim.apiToken, zoneId: sim.zoneId } },
    targets: sim.pops.map((p) => ({ name: p.name, address: p.address, port: p.port })),
    // maxWaitMs must exceed the alarm threshold, or every POP slower than the wait alarms as a timeout (always a breach).
    round: {
      intervalMs: settings.roundIntervalMs,
      pollIntervalMs: 50,
      maxWaitMs: Math.max(settings.roundIntervalMs - 1000, Math.round(settings.thresholdMs * 1.25)),
      progressMs: 1000,
    },
    report: { url: base, token: probe.token, spoolDir: join(dataDir, probe.id, 'spool') },
    stateDir: join(dataDir, probe.id, 'state'),
  };
  const file = join(dataDir, `${probe.id}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  start(probe.id, 'probe/dist/cli.js', ['--config', file], (line) => summariseRound(probe.id, line));
}

function summariseRound(probeId, line) {
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    return;
  }
  if (record.msg !== 'round finished') return;
  const worst = record.worstMs === undefined ? '-' : `${record.worstPop} ${(record.worstMs / 1000).toFixed(2)} s`;
  const timeouts = record.timeouts ? `, ${record.timeouts} timeout${record.timeouts > 1 ? 's' : ''}` : '';
  const failed = record.state === 'write_failed' ? ` WRITE FAILED: ${record.writeError}` : '';
  say(
    `${probeId.padEnd(7)} round ${record.state.padEnd(8)} worst ${worst}${timeouts}${failed} │ status ${status.state}`,
  );
}

// 4. The beacon, with the console driver.
let beaconState = '';
start(
  'beacon',
  'alarm-pi/dist/cli.js',
  ['--driver', 'console'],
  (line) => {
    const change = /^state → (\w+)/.exec(line);
    if (change) {
      beaconState = change[1];
      say(`beacon  ${line}${['stale', 'degraded', 'unreachable'].includes(beaconState) ? ' (blinking)' : ''}`);
    } else if (!['stale', 'degraded', 'unreachable'].includes(beaconState)) {
      say(`beacon  ${line}`);
    }
  },
  {
    PROPWATCH_AGGREGATOR__URL: base,
    PROPWATCH_POLL__INTERVAL_MS: '1000',
    PROPWATCH_BEACON__LAMP_TEST: 'false',
    PROPWATCH_BEACON__MIN_ON_MS: '5000',
  },
);

say(`dashboard: ${base}/   (logs in ${logDir}; Ctrl-C stops everything)`);

// 5. Status changes, as the aggregator decides them.
setInterval(async () => {
  try {
    const next = await (await fetch(`${base}/api/v1/status`)).json();
    if (next.state !== status.state) say(`STATUS  ${status.state} → ${next.state.toUpperCase()}: ${next.reason}`);
    status = next;
  } catch {
    /* the aggregator restarting or stopping; the beacon shows unreachable */
  }
}, 1000).unref();

// 6. The scenario: one POP stops receiving changes, then recovers.
if (flags.scenario === 'stuck') {
  const pop = (
    flags['stuck-pop'] ?? (sim.pops.some((p) => p.name === 'LHR') ? 'LHR' : sim.pops.at(-1).name)
  ).toUpperCase();
  if (!sim.pops.some((p) => p.name === pop)) {
    say(`scenario: no POP named ${pop}; POPs are ${sim.pops.map((p) => p.name).join(' ')}`);
  } else {
    const admin = (method) =>
      fetch(`${sim.adminUrl}/pops/${pop}/fault`, {
        method,
        headers: {
          authorization: `Bearer ${sim.adminToken}`,
          ...(method === 'PUT' ? { 'content-type': 'application/json' } : {}),
        },
        ...(method === 'PUT' ? { body: JSON.stringify({ kind: 'stuck' }) } : {}),
      }).catch((error) => say(`scenario: admin API failed: ${error.message}`));
    say(
      `scenario: ${pop} gets stuck in ${settings.stuckAtS} s and recovers ${settings.stuckForS} s later (--scenario none to disable)`,
    );
    setTimeout(() => {
      say(`scenario: ${pop} is now STUCK (receives no changes)`);
      void admin('PUT');
      setTimeout(() => {
        say(`scenario: ${pop} recovered`);
        void admin('DELETE');
      }, settings.stuckForS * 1000).unref();
    }, settings.stuckAtS * 1000).unref();
  }
}
