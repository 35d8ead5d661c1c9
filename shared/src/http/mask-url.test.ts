import { describe, expect, it } from 'vitest';
import { maskUrl } from './mask-url.js';

describe('maskUrl', () => {
  it('keeps scheme, host, port and path; hides credentials and the query', () => {
    expect(maskUrl('https://agg.example:8443/api/v1/rounds')).toBe('https://agg.example:8443/api/v1/rounds');
    expect(maskUrl('https://user:s3cret@agg.example/x?token=abc#frag')).toBe('https://***@agg.example/x?***');
  });

  it('bounds and cleans text that is not a URL (a hostile Location header)', () => {
    const hostile = `/relative?token=abc`;
    expect(maskUrl(hostile)).toBe('/relative?***');
    expect(maskUrl('evil:pw@host/x')).toBe('***@host/x');
    const huge = `http://x.test/${'a'.repeat(1_000_000)}`;
    const masked = maskUrl(huge);
    expect(masked.length).toBe(200);
    expect(masked.endsWith('…')).toBe(true);
    expect(maskUrl('http://x.test/a\r\nSet-Cookie: x')).not.toMatch(/[\r\n]/);
  });
});
