#!/usr/bin/env node
/**
 * One DNS client process for the throughput benchmark: keeps `--inflight`
 * queries outstanding against `--target` for `--seconds`, then prints one
 * JSON line with answers/s and CPU µs per answer of this process.
 *   --mode querier   propwatch's Querier (public API), one prepared question,
 *                    RD=0, EDNS NSID: the probe's hot path
 *                    (--no-port-rotation: its UDP sockets never change port;
 *                    --signal: every query under one AbortSignal, as a round
 *                    puts its queries under its deadline's signal)
 *   --mode dns2      dns2's stock UDPClient (a new socket per query)
 * The first line printed is {"ready":true}; the figures follow.
 */
import { parseArgs } from 'node:util';
import dns2 from 'dns2';
import { Querier } from '@propwatch/probe';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    target: { type: 'string' },
    name: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    inflight: { type: 'string', default: '256' },
    'no-port-rotation': { type: 'boolean', default: false },
    signal: { type: 'boolean', default: false },
  },
});
const [address, portText] = values.target.split(/:(?=\d+$)/);
const port = Number(portText);
const seconds = Number(values.seconds);
const inflight = Number(values.inflight);
const TXT = 16;
const IN = 1;

function querierClient() {
  const querier = new Querier({
    timeoutMs: 1000,
    ...(values['no-port-rotation'] ? { maxQueriesPerSocket: 0, maxSocketAgeMs: 0 } : {}),
  });
  const question = querier.prepare({ name: values.name, type: TXT, class: IN }, { nsid: true });
  const target = { address, port };
  const options = { timeoutMs: 1000, ...(values.signal ? { signal: new AbortController().signal } : {}) };
  return {
    ask: () => querier.query(target, question, options).then((result) => result.kind === 'answer'),
    close: () => querier.close(),
  };
}

function dns2Client() {
  const resolve = dns2.UDPClient({ dns: address, port, timeout: 1000, retryOverTCP: false });
  return {
    ask: () =>
      resolve(values.name, 'TXT', 1, { recursive: false }).then(
        (response) => response.answers.length > 0,
        () => false,
      ),
    close: () => {},
  };
}

const client = values.mode === 'dns2' ? dns2Client() : querierClient();
console.log(JSON.stringify({ ready: true }));
// Warm up (JIT, socket pool) before the clock starts.
await Promise.all(Array.from({ length: 64 }, () => client.ask()));
let answers = 0;
let failures = 0;
const cpuStart = process.cpuUsage();
const start = performance.now();
const end = start + seconds * 1000;
const worker = async () => {
  while (performance.now() < end) {
    if (await client.ask()) answers++;
    else failures++;
  }
};
await Promise.all(Array.from({ length: inflight }, worker));
const elapsedS = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuStart);
client.close();
console.log(
  JSON.stringify({
    mode: values.mode,
    qps: answers / elapsedS,
    answers,
    failures,
    cpuUsPerQuery: (cpu.user + cpu.system) / Math.max(1, answers),
    cpuCores: (cpu.user + cpu.system) / 1e6 / elapsedS,
  }),
);
