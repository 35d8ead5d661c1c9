/**
 * The Dockerfile read as text (compose-stack.heavy.test.ts and
 * image-suite.heavy.test.ts build and run it where an engine is available):
 * the stages compose uses exist, the base is Node 22 through NODE_IMAGE and
 * RUNTIME_IMAGE, the runtime is non-root behind tini with production
 * dependencies only, each long-running target has a healthcheck for its own
 * component, its default command is a real package bin, and every
 * PROPWATCH_* it sets is a key of that component's config.
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

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** Instructions per stage, with backslash continuations joined; global ARGs under ''. */
function readStages(): Stage[] {
  const stages: Stage[] = [{ name: '', from: '', lines: [] }];
  for (const line of text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)/i.exec(line);
    if (from) stages.push({ name: from[2]!, from: from[1]!, lines: [] });
    else stages.at(-1)!.lines.push(line);
  }
  return stages;
}
const stages = readStages();
const stage = (name: string) => stages.find((s) => s.name === name)!;
const instruction = (s: Stage, keyword: string) =>
  s.lines.filter((l) => l.toUpperCase().startsWith(`${keyword} `)).map((l) => l.slice(keyword.length + 1).trim());
/** Settings a stage inherits from its parents, nearest last. */
const chain = (s: Stage): Stage[] => (stages.some((p) => p.name === s.from) ? [...chain(stage(s.from)), s] : [s]);
const TARGETS = ['sim', 'probe', 'aggregator', 'alarm-pi'] as const;

describe('Dockerfile', () => {
  it('builds on Node 22 (NODE_IMAGE) and runs on RUNTIME_IMAGE, the same unless a lighter one is given', () => {
    expect(instruction(stage(''), 'ARG')).toEqual(['NODE_IMAGE=node:22-bookworm-slim', 'RUNTIME_IMAGE=${NODE_IMAGE}']);
    expect(stage('build').from).toBe('${NODE_IMAGE}');
    expect(stage('runtime').from).toBe('${RUNTIME_IMAGE}');
    // Nothing a registry would have to provide besides those two (no syntax frontend either).
    expect(stages.map((s) => s.from).filter((from) => from && !stages.some((p) => p.name === from))).toEqual([
      '${NODE_IMAGE}',
      '${RUNTIME_IMAGE}',
    ]);
    expect(text).not.toMatch(/^# *syntax=/m);
  });

  it('compiles native addons against the base image headers, then keeps production dependencies only', () => {
    const runs = instruction(stage('build'), 'RUN').join('\n');
    for (const needle of ['python3', 'make', 'g++', 'npm_config_nodedir=/usr/local npm ci', 'npx tsc -b'])
      expect(runs).toContain(needle);
    const collect = instruction(stage('collect'), 'RUN').join('\n');
    expect(stage('collect').from).toBe('build');
    expect(collect).toContain('npm prune --omit=dev');
    expect(collect).toContain('cp scripts/docker/healthcheck.mjs /out/healthcheck.mjs');
    expect(instruction(stage('runtime'), 'COPY')).toEqual(['--from=collect /out /app']);
  });

  it('has a test target with dev dependencies that runs the suites', () => {
    expect(stage('test').from).toBe('build');
    expect(instruction(stage('test'), 'CMD')).toEqual(['["npx", "vitest", "run"]']);
  });

  it('runs as a non-root user behind tini, with OCI labels', () => {
    const runtime = stage('runtime');
    expect(instruction(runtime, 'RUN').join('\n')).toMatch(/apt-get install .*tini/);
    expect(instruction(runtime, 'ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    for (const name of ['runtime', ...TARGETS]) {
      const users = chain(stage(name)).flatMap((s) => instruction(s, 'USER'));
      expect(users.at(-1), name).toBe('propwatch');
    }
    const labels = instruction(runtime, 'LABEL').join(' ');
    for (const key of ['title', 'description', 'licenses', 'version', 'revision', 'created', 'base.name'])
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
  });

  it.each(TARGETS)('target %s runs its own CLI and sets only its own PROPWATCH_* keys', (name) => {
    const s = stage(name);
    const command = parseCommand(JSON.parse(instruction(s, 'CMD').at(-1)!) as string[]);
    expect(command?.component).toBe(name);
    const known = envNamesOf(command!.component);
    const names = instruction(s, 'ENV').flatMap((env) =>
      [...env.matchAll(/(PROPWATCH_[A-Z0-9_]+)=/g)].map((m) => m[1]!),
    );
    expect(names.filter((n) => !known.has(n))).toEqual([]);
    expect(instruction(s, 'LABEL')).toEqual([`org.opencontainers.image.title="propwatch-${name}"`]);
  });

  it.each(TARGETS)('target %s has a healthcheck for its own component', (name) => {
    const [healthcheck] = instruction(stage(name), 'HEALTHCHECK');
    const command = JSON.parse(/CMD (\[.*\])$/.exec(healthcheck!)![1]!) as string[];
    expect(command.slice(0, 3)).toEqual(['node', '/app/healthcheck.mjs', name]);
  });

  it('the healthchecks find what they ask: ports and the health file are set by the environment they read', () => {
    const env = (name: string) => instruction(stage(name), 'ENV').join(' ');
    expect(env('aggregator')).toMatch(/PROPWATCH_LISTEN__HOST=0\.0\.0\.0/);
    const port = /PROPWATCH_LISTEN__PORT=(\d+)/.exec(env('aggregator'))?.[1];
    expect(instruction(stage('aggregator'), 'EXPOSE')).toEqual([port]);
    expect(env('sim')).toMatch(/PROPWATCH_API_PORT=\d+/);
    expect(env('probe')).toMatch(/PROPWATCH_METRICS__PORT=\d+/);
    // tmpfs in every container: a write per poll costs no disk (no SD card wear on a Pi).
    expect(env('alarm-pi')).toContain('PROPWATCH_HEALTH_FILE=/dev/shm/');
  });

  it('the alarm-pi target adds gpioset; .dockerignore keeps node_modules and dist out of the context', () => {
    expect(instruction(stage('alarm-pi'), 'RUN').join('\n')).toMatch(/apt-get install .*gpiod/);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.git']) expect(ignore).toContain(entry);
  });
});
