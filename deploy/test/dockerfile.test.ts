/**
 * No Docker engine here, so the Dockerfile is read: the stages compose
 * uses exist, the runtime is non-root behind tini, each stage's default
 * command is a real package bin, and every PROPWATCH_* it sets is a key of
 * that component's config.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/compose-file.js';
import { envNamesOf, parseCommand } from './helpers/components.js';

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** Instructions per stage, with backslash continuations joined. */
function readStages(): Stage[] {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const stages: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)/i.exec(line);
    if (from) stages.push({ name: from[2]!, from: from[1]!, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}
const stages = readStages();
const stage = (name: string) => stages.find((s) => s.name === name)!;
const instruction = (s: Stage, keyword: string) =>
  s.lines.filter((l) => l.toUpperCase().startsWith(`${keyword} `)).map((l) => l.slice(keyword.length + 1).trim());
/** Settings a stage inherits from its parents, nearest last. */
const chain = (s: Stage): Stage[] => (stages.some((p) => p.name === s.from) ? [...chain(stage(s.from)), s] : [s]);

describe('Dockerfile', () => {
  it('builds on node 20 slim with the native toolchain, then keeps production dependencies only', () => {
    const build = stage('build');
    expect(build.from).toBe('${NODE_IMAGE}');
    expect(readFileSync(join(ROOT, 'Dockerfile'), 'utf8')).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    const runs = instruction(build, 'RUN').join('\n');
    for (const needle of ['python3', 'make', 'g++', 'npm ci', 'npx tsc -b', 'npm prune --omit=dev'])
      expect(runs).toContain(needle);
    expect(instruction(stage('runtime'), 'COPY')).toEqual(['--from=build /out /app']);
  });

  it('runs as a non-root user behind tini', () => {
    const runtime = stage('runtime');
    expect(instruction(runtime, 'RUN').join('\n')).toMatch(/apt-get install .*tini/);
    expect(instruction(runtime, 'ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    for (const name of ['runtime', 'sim', 'probe', 'aggregator', 'alarm-pi']) {
      const users = chain(stage(name)).flatMap((s) => instruction(s, 'USER'));
      expect(users.at(-1), name).toBe('propwatch');
    }
  });

  it.each(['sim', 'probe', 'aggregator', 'alarm-pi'])(
    'target %s runs its own CLI and sets only its own PROPWATCH_* keys',
    (name) => {
      const s = stage(name);
      const command = parseCommand(JSON.parse(instruction(s, 'CMD').at(-1)!) as string[]);
      expect(command?.component).toBe(name);
      const known = envNamesOf(command!.component);
      const names = instruction(s, 'ENV').flatMap((env) =>
        [...env.matchAll(/(PROPWATCH_[A-Z0-9_]+)=/g)].map((m) => m[1]!),
      );
      expect(names.filter((n) => !known.has(n))).toEqual([]);
    },
  );

  it('the aggregator target checks /healthz on the port it listens on', () => {
    const aggregator = stage('aggregator');
    const env = instruction(aggregator, 'ENV').join(' ');
    const port = /PROPWATCH_LISTEN__PORT=(\d+)/.exec(env)?.[1];
    expect(instruction(aggregator, 'EXPOSE')).toEqual([port]);
    const healthcheck = instruction(aggregator, 'HEALTHCHECK').join(' ');
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toContain(`process.env.PROPWATCH_LISTEN__PORT || '${port}'`);
    expect(env).toContain('PROPWATCH_LISTEN__HOST=0.0.0.0');
  });

  it('the alarm-pi target adds gpioset; .dockerignore keeps node_modules and dist out of the context', () => {
    expect(instruction(stage('alarm-pi'), 'RUN').join('\n')).toMatch(/apt-get install .*gpiod/);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git']) expect(ignore).toContain(entry);
  });
});
