#!/usr/bin/env node
/**
 * Measures GET --url at a fixed pace (--rate requests/s) for --seconds, one
 * request at a time on one keep-alive connection, each timed with
 * performance.now() (sub-millisecond; autocannon reports whole ms). A request
 * due while the previous one is still out waits for it: the latency of a
 * stalled server shows in full instead of being hidden by fewer samples.
 * Twenty unrecorded requests warm the connection up first.
 * Prints {"ready":true}, then {"count","p50Ms","p99Ms","maxMs","non2xx"}.
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { percentile } from './stats.mjs';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    token: { type: 'string' },
  },
});
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const headers = values.token ? { authorization: `Bearer ${values.token}` } : {};

function get() {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(values.url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode }));
    });
    req.on('error', reject);
    req.end();
  });
}

// A few unrecorded requests first: the connection is set up and the code paths are warm in both processes.
for (let i = 0; i < 20; i++) await get();
console.log(JSON.stringify({ ready: true }));
const intervalMs = 1000 / Number(values.rate);
const until = performance.now() + Number(values.seconds) * 1000;
const latencies = [];
let non2xx = 0;
let next = performance.now();
while (performance.now() < until) {
  const { ms, status } = await get();
  latencies.push(ms);
  if (status < 200 || status > 299) non2xx += 1;
  next += intervalMs;
  const wait = next - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  else next = performance.now();
}
agent.destroy();
console.log(
  JSON.stringify({
    count: latencies.length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
    non2xx,
  }),
);
