/** A configuration problem a person can act on: which key, which value, what was expected, where it came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
    readonly source: string,
  ) {
    super(`config key "${key}" (${source}) ${describeValue(value)}: expected ${expected}`);
  }
}

/** Stands for a value that must not be echoed: a secret, or anything under a key we do not know (a misspelt `apiTokne:`). */
export const HIDDEN_VALUE = Symbol('hidden config value');

function describeValue(value: unknown): string {
  if (value === undefined) return 'is missing';
  if (value === HIDDEN_VALUE) return 'is set (value not shown)';
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return `has value ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
