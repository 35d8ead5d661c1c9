import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from './logger.js';

function collector() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('writes JSON lines with the component name', () => {
    const { lines, stream } = collector();
    createLogger({ name: 'probe', destination: stream }).info({ pop: 'LHR' }, 'hello');
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record).toMatchObject({ name: 'probe', pop: 'LHR', msg: 'hello', level: 30 });
  });

  it('redacts secret-named fields at any of the first levels', () => {
    const { lines, stream } = collector();
    const logger = createLogger({ name: 't', destination: stream });
    logger.info(
      {
        token: 'abc',
        config: { apiToken: 'def', writer: { secret: 'ghi' } },
        req: { headers: { authorization: 'Bearer xyz' } },
      },
      'x',
    );
    expect(lines[0]).not.toMatch(/abc|def|ghi|xyz/);
    expect(lines[0]).toContain('[REDACTED]');
  });

  it('scrubs known secret values wherever they appear, including error messages', () => {
    const { lines, stream } = collector();
    const secret = 'c2VjcmV0LXRzaWcta2V5';
    const logger = createLogger({ name: 't', destination: stream, secrets: [secret, 'tok-123456'] });
    logger.error({ err: new Error(`request to https://api?key=${secret} failed`) }, `token tok-123456 rejected`);
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).not.toContain('tok-123456');
    expect(lines.join('')).toContain('[REDACTED]');
  });

  it('scrubs JSON-escaped forms too', () => {
    expect(scrubSecrets('{"a":"x\\"y-secret"}', ['x"y-secret'])).toBe('{"a":"[REDACTED]"}');
  });
});
