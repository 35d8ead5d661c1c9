#!/usr/bin/env node
/**
 * Runs every benchmark one after another (2 cores: never in parallel),
 * prints the figures and writes the results tables into bench/README.md
 * between the results markers, with machine, date and command.
 *   node bench/run.mjs                     everything, full settings (~15 min)
 *   node bench/run.mjs --only precision    one benchmark (repeatable)
 *   node bench/run.mjs --tiny --no-write   smoke settings, README untouched
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCHMARKS } from './benchmarks.mjs';
import { describeMachine } from './lib/machine.mjs';
import { fmt } from './lib/stats.mjs';

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    tiny: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const chosen = BENCHMARKS.filter((b) => !values.only || values.only.includes(b.key));
if (chosen.length === 0) throw new Error(`--only must name one of: ${BENCHMARKS.map((b) => b.key).join(', ')}`);

const machine = describeMachine();
console.log(
  `propwatch benchmarks on ${machine.cpu}, ${machine.cores} cores, ${fmt(machine.memoryGiB, 1)} GiB, node ${machine.node}`,
);
const sections = new Map();
const started = performance.now();
const command = `node bench/run.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const measured = `Measured ${machine.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpu}, ${machine.cores} cores, ${fmt(machine.memoryGiB, 1)} GiB RAM, Node ${machine.node}, with \`${command}\`${values.tiny ? ' (tiny smoke settings: not representative)' : ''}.`;
for (const bench of chosen) {
  console.log(`\n## ${bench.title}`);
  const t0 = performance.now();
  const result = await bench.run(values.tiny ? bench.tiny : bench.full, (line) => console.log(line));
  const table = bench.table(result);
  console.log(`\n${table}\n  (${fmt((performance.now() - t0) / 1000)} s)`);
  sections.set(bench.title, `### ${bench.title}\n\n${measured}\n\n${table}`);
}
console.log(`\nall done in ${fmt((performance.now() - started) / 1000)} s`);

if (!values['no-write']) {
  const readme = fileURLToPath(new URL('./README.md', import.meta.url));
  const text = readFileSync(readme, 'utf8');
  const [head, rest] = text.split('<!-- results:start -->');
  const [previous, tail] = rest?.split('<!-- results:end -->') ?? [];
  if (tail === undefined) throw new Error(`${readme} lacks the <!-- results:start --> / <!-- results:end --> markers`);
  // Sections not run this time stay as they were, each with the line saying when and how it was measured
  // (an older README had one such line for all sections, before the first).
  const [common, ...kept] = previous.split(/^### /m);
  const commonLine = common.trim();
  for (const section of kept) {
    const title = section.slice(0, section.indexOf('\n')).trim();
    if (sections.has(title)) continue;
    const body = section.slice(section.indexOf('\n')).trim();
    sections.set(
      title,
      `### ${title}\n\n${body.startsWith('Measured ') || !commonLine ? '' : `${commonLine}\n\n`}${body}`,
    );
  }
  const ordered = BENCHMARKS.map((b) => sections.get(b.title)).filter(Boolean);
  writeFileSync(readme, `${head}<!-- results:start -->\n${ordered.join('\n\n')}\n<!-- results:end -->${tail}`);
  console.log(`results written to ${readme}`);
}
