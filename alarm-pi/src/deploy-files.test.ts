import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadAlarmConfig } from './config.js';

const deploy = (name: string) => fileURLToPath(new URL(`../deploy/${name}`, import.meta.url));

describe('deployment files', () => {
  it('the example config is valid', () => {
    expect(loadAlarmConfig({ file: deploy('alarm.example.yaml') }).config.pin).toBe(17);
  });

  it('the systemd unit restarts, forces the line off after stop and keeps GPIO reachable', () => {
    const unit = readFileSync(deploy('propwatch-alarm.service'), 'utf8');
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^ExecStopPost=.*--off$/m);
    expect(unit).toMatch(/^SupplementaryGroups=gpio$/m);
    expect(unit).not.toMatch(/^(PrivateDevices|ProtectKernelTunables|DevicePolicy)=/m);
  });

  // Inside the image's test target the build context leaves the Dockerfile out (.dockerignore): checked on the host.
  const repoDockerfile = fileURLToPath(new URL('../../Dockerfile', import.meta.url));
  if (!existsSync(repoDockerfile))
    console.info(`skipping the Pi compose file check: no ${repoDockerfile} in this tree`);
  it.skipIf(!existsSync(repoDockerfile))(
    'the standalone Pi compose file builds an image with gpioset and mounts a config that ships',
    () => {
      const file = deploy('docker-compose.alarm-pi.yml');
      const compose = parse(readFileSync(file, 'utf8')) as {
        services: Record<string, { build: { context: string; target: string }; volumes: string[] }>;
      };
      const dockerfile = (context: string) => readFileSync(resolve(dirname(file), context, 'Dockerfile'), 'utf8');
      for (const [name, service] of Object.entries(compose.services)) {
        // The build stage named by `target` runs until the next FROM; it must install Debian's gpiod.
        const stages = dockerfile(service.build.context).split(/^FROM /m);
        const stage = stages.find((text) => new RegExp(`^\\S+ AS ${service.build.target}\\s`).test(text));
        expect(stage, `${name}: stage ${service.build.target}`).toMatch(/apt-get install[^\n]*\bgpiod\b/);
        const config = service.volumes.find((volume) => volume.includes(':/etc/propwatch/alarm.yaml'));
        const source = resolve(dirname(file), config!.split(':')[0]!);
        expect(existsSync(source), `${name} mounts ${source}`).toBe(true);
        expect(loadAlarmConfig({ file: source }).config.driver).toBe('auto');
      }
    },
  );
});
