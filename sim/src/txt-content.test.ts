import { describe, expect, it } from 'vitest';
import { contentToStrings } from './txt-content.js';

describe('contentToStrings', () => {
  it('keeps short content as one character-string', () => {
    expect(contentToStrings('propwatch=1 serial=5 probe=p1')).toEqual(['propwatch=1 serial=5 probe=p1']);
  });
  it('cuts long content into 255-octet strings', () => {
    const parts = contentToStrings('x'.repeat(600));
    expect(parts.map((p) => p.length)).toEqual([255, 255, 90]);
  });
  it('honours quoted strings and their escapes', () => {
    expect(contentToStrings('"v=spf1 " "include:x \\"y\\""')).toEqual(['v=spf1 ', 'include:x "y"']);
  });
  it('treats a lone quote as literal text', () => {
    expect(contentToStrings('"unterminated')).toEqual(['"unterminated']);
  });
});
