/**
 * Cloudflare-style TXT `content` to DNS character-strings. Content may be
 * given as quoted strings (`"part one" "part two"`), which keeps the caller's
 * split; otherwise it is one logical string, cut into 255-octet pieces as
 * RFC 1035 §3.3 requires (RFC 7208 §3.3 readers join them again).
 */
const MAX_STRING = 255;

export function contentToStrings(content: string): string[] {
  const quoted = parseQuoted(content);
  const parts = quoted ?? [content];
  return parts.flatMap(splitOctets);
}

function parseQuoted(content: string): string[] | undefined {
  const trimmed = content.trim();
  if (!trimmed.startsWith('"')) return undefined;
  const parts: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"\s*/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = re.exec(trimmed)) !== null) {
    parts.push(match[1]!.replace(/\\(.)/g, '$1'));
    consumed = re.lastIndex;
  }
  return consumed === trimmed.length && parts.length > 0 ? parts : undefined;
}

function splitOctets(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_STRING) return [text];
  const pieces: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += MAX_STRING)
    pieces.push(bytes.subarray(offset, offset + MAX_STRING).toString('utf8'));
  return pieces;
}
