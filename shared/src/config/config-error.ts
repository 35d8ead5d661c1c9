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

function describeValue(value: unknown): string {
  if (value === undefined) return 'is missing';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return `has value ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
