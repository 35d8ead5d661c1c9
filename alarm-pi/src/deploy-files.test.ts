import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
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
});
