import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@propwatch/shared';
import { describe, expect, it } from 'vitest';
import { aggregatorUrls, loadAlarmConfig } from './config.js';

const baseEnv = { PROPWATCH_AGGREGATOR__URL: 'http://127.0.0.1:8080' };

function yamlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'alarm-cfg-')), 'alarm.yaml');
  writeFileSync(file, text);
  return file;
}

describe('loadAlarmConfig', () => {
  it('fills defaults: BCM 17, driver auto, 1 s poll, sysfs root', () => {
    const { config } = loadAlarmConfig({ env: baseEnv });
    expect(config.pin).toBe(17);
    expect(config.driver).toBe('auto');
    expect(config.poll.intervalMs).toBe(1000);
    expect(config.poll.unreachableAfter).toBe(3);
    expect(config.gpio.sysfsRoot).toBe('/sys/class/gpio');
    expect(config.gpio.sysfsLineOverride).toBeUndefined();
    expect(config.gpioset).toEqual({ chip: 'gpiochip0', binary: 'gpioset', version: 'auto' });
    expect(config.beacon.patterns.stale).toEqual({ onMs: 1000, offMs: 1000 });
    expect(config.beacon.lampTest).toBe(true);
  });

  it('reads YAML and lets PROPWATCH_* env win', () => {
    const file = yamlFile(
      'aggregator:\n  url: http://agg:8080\n  readToken: s3cret-token\npin: 27\nactiveLow: true\nbeacon:\n  patterns:\n    stale: off\n    degraded: steady\n',
    );
    const { config } = loadAlarmConfig({
      file,
      env: { PROPWATCH_PIN: '22', PROPWATCH_BEACON__PATTERNS__UNREACHABLE: '{"onMs":100,"offMs":100}' },
    });
    expect(config.aggregator.url).toBe('http://agg:8080');
    expect(config.pin).toBe(22);
    expect(config.activeLow).toBe(true);
    expect(config.beacon.patterns).toMatchObject({
      stale: 'off',
      degraded: 'steady',
      unreachable: { onMs: 100, offMs: 100 },
    });
  });

  it.each([
    [{ PROPWATCH_DRIVER: 'wiringpi' }, 'driver', /one of auto, gpio, gpioset, console/],
    [{ PROPWATCH_PIN: '99' }, 'pin', /from 0 to 53/],
    [{ PROPWATCH_AGGREGATOR__URL: 'agg:8080' }, 'aggregator.url', /\^https\?:/],
    [
      { PROPWATCH_POLL__BACKOFF_MAX_MS: '20', PROPWATCH_POLL__BACKOFF_BASE_MS: '100' },
      'poll.backoffMaxMs',
      />= poll.backoffBaseMs/,
    ],
  ])('rejects %o naming the key %s', (env, key, expected) => {
    const error = (() => {
      try {
        loadAlarmConfig({ env: { ...baseEnv, ...env } });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as ConfigError).message).toMatch(expected);
  });

  it('rejects an unknown --driver listing the valid ones', () => {
    expect(() => loadAlarmConfig({ env: baseEnv, driver: 'pigpio' })).toThrow(
      /driver.*--driver.*one of auto, gpio, gpioset, console/,
    );
  });

  it('requires the aggregator URL', () => {
    expect(() => loadAlarmConfig({ env: {} })).toThrow(ConfigError);
    expect(() => loadAlarmConfig({ file: yamlFile('aggregator:\n  timeoutMs: 2000\n') })).toThrow(
      /"aggregator\.url" .* is missing: expected the aggregator base URL \(aggregator\.url\), or a list/,
    );
  });

  it('takes a list of aggregator URLs, from YAML or as comma-separated text, and follows the stream by default', () => {
    const fromEnv = loadAlarmConfig({ env: { PROPWATCH_AGGREGATOR__URLS: 'http://a:8080, http://b:8080/p' } }).config;
    expect(aggregatorUrls(fromEnv)).toEqual(['http://a:8080', 'http://b:8080/p']);
    const file = yamlFile('aggregator:\n  urls: [http://a:8080, http://b:8080]\nstream:\n  enabled: false\n');
    const fromFile = loadAlarmConfig({ file }).config;
    expect(aggregatorUrls(fromFile)).toEqual(['http://a:8080', 'http://b:8080']);
    expect(fromFile.stream.enabled).toBe(false);
    const single = loadAlarmConfig({ env: baseEnv }).config;
    expect(aggregatorUrls(single)).toEqual(['http://127.0.0.1:8080']);
    expect(single.stream).toEqual({ enabled: true, silenceMs: 37_500 });
  });

  it.each([
    [
      { ...baseEnv, PROPWATCH_AGGREGATOR__URLS: 'http://a:1' },
      'aggregator.urls',
      /either aggregator.url or aggregator.urls/,
    ],
    [{ PROPWATCH_AGGREGATOR__URLS: 'http://a:1,ftp://b' }, 'aggregator.urls.1', /\^https\?:/],
    [{ PROPWATCH_AGGREGATOR__URLS: '[]' }, 'aggregator.urls', /at least 1/],
    [{ ...baseEnv, PROPWATCH_STREAM__SILENCE_MS: '10' }, 'stream.silenceMs', /1000/],
  ])('rejects %o naming the key %s', (env, key, expected) => {
    let error: unknown;
    try {
      loadAlarmConfig({ env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as ConfigError).message).toMatch(expected);
  });

  it('never echoes the read token in an error', () => {
    const file = yamlFile('aggregator:\n  url: http://agg:8080\n  readToken: 12345\n');
    expect(() => loadAlarmConfig({ file })).toThrow(/is a number, not shown as it is a secret/);
  });
});
