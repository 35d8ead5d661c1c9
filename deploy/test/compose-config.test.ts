/**
 * docker-compose.yml and the alarm-pi compose file as docker-compose itself
 * resolves them (`config`: interpolation, anchors, `extends` across files,
 * the schema), for the default services and for every profile the file
 * declares (`pi`, `pi-sysfs`, `monitoring`, and any added later such as
 * `ha`). Needs no engine, only docker-compose (Debian's 1.29, installed by
 * .ci/run): required in CI, skipped with the reason printed elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, loadCompose } from './helpers/compose-file.js';
import { skipReason } from './helpers/docker.js';

const available = spawnSync('docker-compose', ['version'], { encoding: 'utf8', timeout: 20_000 });
const skip = skipReason(
  'docker-compose config',
  available.error || available.status !== 0 ? 'docker-compose not found (apt-get install docker-compose)' : undefined,
);

// An empty env file and no COMPOSE_*/PROPWATCH variables of the caller: the file's own defaults are checked.
const dir = mkdtempSync(join(tmpdir(), 'propwatch-compose-config-'));
const envFile = join(dir, 'empty.env');
writeFileSync(envFile, '');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function composeConfig(file: string, profiles: string[]) {
  const args = ['--env-file', envFile, '-f', file, '--project-directory', ROOT];
  for (const profile of profiles) args.push('--profile', profile);
  const ran = spawnSync('docker-compose', [...args, 'config'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  return { status: ran.status, stderr: `${ran.error ?? ''}${ran.stderr}`, stdout: ran.stdout };
}

interface Resolved {
  services: Record<string, { profiles?: string[]; devices?: string[]; privileged?: boolean; image?: string }>;
}

const file = join(ROOT, 'docker-compose.yml');
const services = [...loadCompose().services.values()];
const profiles = [...new Set(services.flatMap((s) => s.profiles))].sort();
// docker-compose 1.29 (Python) takes seconds to start on a loaded machine.
const TIMEOUT = 60_000;

describe.skipIf(skip !== undefined)('docker-compose config', () => {
  it(
    'the file declares the profiles the README documents',
    () => {
      expect(profiles).toEqual(expect.arrayContaining(['ha', 'monitoring', 'pi', 'pi-sysfs']));
    },
    TIMEOUT,
  );

  it.each([['(default)', [] as string[]], ...profiles.map((p) => [p, [p]] as [string, string[]])])(
    'resolves with profile %s, with every service of it',
    (_name, selected) => {
      const ran = composeConfig(file, selected);
      expect(ran.status, ran.stderr).toBe(0);
      const resolved = parse(ran.stdout) as Resolved;
      const wanted = services.filter((s) => s.profiles.length === 0 || s.profiles.some((p) => selected.includes(p)));
      expect(Object.keys(resolved.services)).toEqual(expect.arrayContaining(wanted.map((s) => s.name)));
    },
    TIMEOUT,
  );

  it(
    'merges what the GPIO services extend from alarm-pi/deploy/docker-compose.alarm-pi.yml',
    () => {
      const ran = composeConfig(file, ['pi', 'pi-sysfs']);
      expect(ran.status, ran.stderr).toBe(0);
      const resolved = parse(ran.stdout) as Resolved;
      expect(resolved.services['alarm-pi']?.devices).toEqual(['/dev/gpiochip0:/dev/gpiochip0']);
      expect(resolved.services['alarm-pi']?.privileged ?? false).toBe(false);
      expect(resolved.services['alarm-pi-sysfs']?.privileged).toBe(true);
      expect(resolved.services['alarm-pi']?.image).toBe('propwatch-alarm-pi:latest');
    },
    TIMEOUT,
  );

  it(
    'resolves alarm-pi/deploy/docker-compose.alarm-pi.yml on its own',
    () => {
      const ran = composeConfig(join(ROOT, 'alarm-pi/deploy/docker-compose.alarm-pi.yml'), []);
      expect(ran.status, ran.stderr).toBe(0);
      expect(Object.keys((parse(ran.stdout) as Resolved).services).sort()).toEqual(['alarm-gpiod', 'alarm-sysfs']);
    },
    TIMEOUT,
  );

  it(
    'refuses a profile service with a key Compose does not know (the check can fail)',
    () => {
      // The same file with the extends path made absolute (it moves to a temporary folder) and one typo.
      const text = readFileSync(file, 'utf8')
        .replaceAll('file: alarm-pi/deploy/', `file: ${join(ROOT, 'alarm-pi/deploy')}/`)
        .replace('    profiles: [pi]\n', '    profiles: [pi]\n    devicez: ["/dev/gpiochip0"]\n');
      expect(text).toContain('devicez');
      const broken = join(dir, 'docker-compose.yml');
      writeFileSync(broken, text);
      const ran = composeConfig(broken, ['pi']);
      expect(ran.status).not.toBe(0);
      expect(ran.stderr).toContain('devicez');
    },
    TIMEOUT,
  );
});
