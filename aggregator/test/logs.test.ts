import { Writable } from 'node:stream';
import { afterEach, expect, test } from 'vitest';
import { collectSecrets, createLogger } from '@propwatch/shared';
import { build } from '../src/app.js';
import { AggregatorConfigSchema } from '../src/config.js';
import { resolveConfig } from '../src/resolve-config.js';
import { FakeClock, TOKENS, ingest, report, tempDir } from './helpers.js';

const temp = tempDir();
afterEach(() => temp.cleanup());

function collectingStream(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
}

test('logs never contain probe tokens, webhook URLs or signing secrets', async () => {
  const signingPart = Buffer.from('signing-secret-bytes-0123456789ab').toString('base64');
  const lines: string[] = [];
  const destination = collectingStream(lines);
  const hookUrl = 'http://127.0.0.1:9/services/T000/B000/webhook-secret-part';
  const config = resolveConfig({
    storage: { path: `${temp.dir}/logs.db` },
    probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
    webhooks: {
      urls: [hookUrl],
      targets: [
        {
          url: 'http://127.0.0.1:9/api/v2/alerts?token=alertmanager-secret-part',
          format: 'alertmanager',
          secret: `whsec_${signingPart}`,
        },
      ],
      maxAttempts: 1,
      retryBaseMs: 1,
      timeoutMs: 500,
    },
  });
  const log = createLogger({
    name: 'test',
    level: 'debug',
    secrets: collectSecrets(AggregatorConfigSchema, config),
    destination,
  });
  const app = build({ config, clock: new FakeClock(), logger: log });
  await ingest(app, report('p1'));
  await ingest(app, report('p1'), 'p2');
  await ingest(app, report('p1'), 'wrong-token-value-123');
  await app.webhooks!.idle();
  await app.close();
  const text = lines.join('');
  expect(text).toContain('webhook delivery failed');
  expect(text).toContain('http://127.0.0.1:9/services/***');
  // The signed alertmanager target was attempted too (its first sync at start).
  expect(text).toContain('http://127.0.0.1:9/api/***');
  for (const secret of [
    ...Object.values(TOKENS),
    'webhook-secret-part',
    'wrong-token-value-123',
    'alertmanager-secret-part',
    signingPart,
  ])
    expect(text).not.toContain(secret);
});

test('request log lines carry the request id; the access log is written only at debug level', async () => {
  const linesAt = async (level: 'debug' | 'info') => {
    const dir = tempDir();
    const config = resolveConfig({
      storage: { path: `${dir.dir}/access.db` },
      probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
    });
    const lines: string[] = [];
    const app = build({
      config,
      clock: new FakeClock(),
      logger: createLogger({ name: 'test', level, destination: collectingStream(lines) }),
    });
    await app.inject('/api/v1/status');
    await ingest(app, { not: 'a report' });
    await app.close();
    dir.cleanup();
    return lines
      .flatMap((chunk) => chunk.split('\n').filter(Boolean))
      .map((line) => JSON.parse(line) as { msg: string; reqId?: string; url?: string; statusCode?: number });
  };
  const debug = await linesAt('debug');
  expect(
    debug.filter((line) => line.msg === 'request completed').map(({ url, statusCode }) => ({ url, statusCode })),
  ).toEqual([
    { url: '/api/v1/status', statusCode: 200 },
    { url: '/api/v1/rounds', statusCode: 400 },
  ]);
  const rejected = debug.find((line) => line.statusCode === 400 && line.msg !== 'request completed');
  expect(rejected?.reqId).toMatch(/^req-/);
  expect(debug.filter((line) => line.reqId === rejected?.reqId)).toHaveLength(2);
  const info = await linesAt('info');
  expect(info.some((line) => line.msg === 'request completed')).toBe(false);
  expect(info.some((line) => line.statusCode === 400 && line.reqId !== undefined)).toBe(true);
});
