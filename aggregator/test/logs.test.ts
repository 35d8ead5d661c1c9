import { Writable } from 'node:stream';
import { afterEach, expect, test } from 'vitest';
import { collectSecrets, createLogger } from '@propwatch/shared';
import { build } from '../src/app.js';
import { AggregatorConfigSchema } from '../src/config.js';
import { resolveConfig } from '../src/resolve-config.js';
import { FakeClock, TOKENS, ingest, report, tempDir } from './helpers.js';

const temp = tempDir();
afterEach(() => temp.cleanup());

test('logs never contain probe tokens or webhook URLs', async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const hookUrl = 'http://127.0.0.1:9/services/T000/B000/webhook-secret-part';
  const config = resolveConfig({
    storage: { path: `${temp.dir}/logs.db` },
    probes: Object.entries(TOKENS).map(([id, token]) => ({ id, token })),
    webhooks: { urls: [hookUrl], maxAttempts: 1, retryBaseMs: 1, timeoutMs: 500 },
  });
  const log = createLogger({ name: 'test', level: 'debug', secrets: collectSecrets(AggregatorConfigSchema, config), destination });
  const app = build({ config, clock: new FakeClock(), logger: log });
  await ingest(app, report('p1'));
  await ingest(app, report('p1'), 'p2');
  await ingest(app, report('p1'), 'wrong-token-value-123');
  await app.webhooks!.idle();
  await app.close();
  const text = lines.join('');
  expect(text).toContain('webhook delivery failed');
  expect(text).toContain('http://127.0.0.1:9/services/***');
  for (const secret of [...Object.values(TOKENS), 'webhook-secret-part', 'wrong-token-value-123']) expect(text).not.toContain(secret);
});
