/**
 * Reads the `key` statements of a BIND key file, as written by `tsig-keygen`
 * (or `rndc-confgen`, `ddns-confgen`):
 *
 *     key "probe-key" {
 *         algorithm hmac-sha256;
 *         secret "base64...";
 *     };
 *
 * Errors name what is missing but never echo the secret.
 */
import { TSIG_ALGORITHMS, type TsigAlgorithm } from '@propwatch/dns';
import { BASE64_PATTERN } from './config.js';

export interface BindKey {
  name: string;
  algorithm: TsigAlgorithm;
  secret: string;
}

function stripComments(text: string): string {
  // Comments outside quoted strings only: BIND allows /* */, // and #.
  return text.replace(/"(?:[^"\\]|\\.)*"|\/\*[\s\S]*?\*\/|\/\/[^\n]*|#[^\n]*/g, (match) =>
    match.startsWith('"') ? match : ' ',
  );
}

/** Every key in the text, in order. Throws when a key statement is incomplete or uses an algorithm we do not speak. */
export function parseBindKeys(text: string): BindKey[] {
  const keys: BindKey[] = [];
  const statement = /key\s+(?:"([^"]+)"|([^\s{]+))\s*\{([^}]*)\}\s*;?/g;
  for (const match of stripComments(text).matchAll(statement)) {
    const name = (match[1] ?? match[2])!;
    const body = match[3]!;
    const algorithmText = /algorithm\s+"?([A-Za-z0-9.-]+)"?\s*;/.exec(body)?.[1];
    const secret = /secret\s+"([^"]*)"\s*;/.exec(body)?.[1];
    if (!algorithmText) throw new Error(`key "${name}" has no "algorithm ...;" line`);
    if (secret === undefined) throw new Error(`key "${name}" has no "secret "...";" line`);
    const algorithm = algorithmText.toLowerCase().replace(/\.$/, '');
    if (!(algorithm in TSIG_ALGORITHMS)) {
      throw new Error(
        `key "${name}" uses algorithm ${algorithmText}; supported: ${Object.keys(TSIG_ALGORITHMS).join(', ')}`,
      );
    }
    if (!new RegExp(BASE64_PATTERN).test(secret)) throw new Error(`key "${name}" has a secret that is not base64`);
    keys.push({ name, algorithm: algorithm as TsigAlgorithm, secret });
  }
  return keys;
}

/** The key named `name`, or the only key in the file when no name is given. */
export function parseBindKeyFile(text: string, name?: string): BindKey {
  const keys = parseBindKeys(text);
  if (keys.length === 0) throw new Error('no `key "<name>" { algorithm ...; secret "..."; };` statement found');
  if (name !== undefined) {
    const wanted = name.replace(/\.$/, '').toLowerCase();
    const found = keys.find((key) => key.name.replace(/\.$/, '').toLowerCase() === wanted);
    if (!found) throw new Error(`no key named "${name}" (found: ${keys.map((key) => key.name).join(', ')})`);
    return found;
  }
  if (keys.length > 1) throw new Error(`several keys found (${keys.map((key) => key.name).join(', ')}); say which one`);
  return keys[0]!;
}
