import { describe, expect, it } from 'vitest';
import { errorMessageOf } from './error-body.js';

describe('errorMessageOf', () => {
  it('reads the message of an aggregator error answer, extra fields allowed', () => {
    const body = { statusCode: 401, error: 'Unauthorized', message: 'wrong read token', code: 'X', extra: 1 };
    expect(errorMessageOf(JSON.stringify(body))).toBe('wrong read token');
  });

  it.each([
    ['a proxy page', '<html><body>502 Bad Gateway</body></html>'],
    ['JSON of another shape', '{"error":"boom"}'],
    ['an empty message', '{"statusCode":500,"error":"x","message":""}'],
    ['nothing', ''],
  ])('is undefined for %s', (_name, text) => {
    expect(errorMessageOf(text)).toBeUndefined();
  });

  it('keeps a hostile message to one bounded line of plain text', () => {
    const message = `line one\n\u001b[2Jline two ${'x'.repeat(1000)}`;
    const read = errorMessageOf(JSON.stringify({ statusCode: 403, error: 'Forbidden', message }))!;
    expect(read).toMatch(/^line one .*line two x+…$/);
    expect(read.length).toBeLessThanOrEqual(300);
    expect(read.includes('\n') || read.includes('\u001b')).toBe(false);
  });
});
