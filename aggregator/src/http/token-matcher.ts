/**
 * Finds which probe a bearer token belongs to, in constant time: both sides
 * are SHA-256 digests (equal length, as timingSafeEqual requires), and every
 * configured token is compared, so timing reveals neither which probe matched
 * nor how much of a token was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export class TokenMatcher {
  readonly #entries: { id: string; digest: Buffer }[];

  constructor(tokens: readonly { id: string; token: string }[]) {
    this.#entries = tokens.map(({ id, token }) => ({ id, digest: digest(token) }));
  }

  /** The id owning `token`, or null. */
  match(token: string): string | null {
    const presented = digest(token);
    let found: string | null = null;
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, presented) && found === null) found = entry.id;
    }
    return found;
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
