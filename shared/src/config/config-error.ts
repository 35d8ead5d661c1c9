/** A configuration problem a person can act on: which key, which value, what was expected, where it came from. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The value as given, without URL credentials (a HiddenValue when it must not be shown at all). */
  readonly value: unknown;

  constructor(
    readonly key: string,
    value: unknown,
    readonly expected: string,
    readonly source: string,
  ) {
    const shown = withoutUrlCredentials(value);
    super(`config key "${key}" (${source}) ${describeValue(shown)}: expected ${expected}`);
    this.value = shown;
  }
}

/**
 * Stands for a value that must not be echoed — a secret, anything that holds
 * one (a list of probes with their tokens), anything under a key we do not
 * know (a misspelt `apiTokne:`), text that did not parse. It says what kind of
 * value was there, never what it said; it keeps nothing of the value itself,
 * so serialising the error (a logger's `err`) cannot leak it either.
 */
export class HiddenValue {
  constructor(
    /** "a string", "a list", "text that is not valid JSON (it breaks at character 31)". */
    readonly kind: string,
    /** Why it is not shown: "it is a secret", "it holds secrets", "the key is unknown". */
    readonly why: string,
  ) {}

  toJSON(): string {
    return `[${this.kind}, not shown: ${this.why}]`;
  }
}

/** A HiddenValue that says what kind of value `value` is. */
export function hideValue(value: unknown, why: string): HiddenValue {
  return new HiddenValue(kindOf(value), why);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'an object';
    default:
      return 'set';
  }
}

/** Credentials in a URL (`https://user:password@host`) are never shown, whatever key holds the URL. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"]*@/gi;

function withoutUrlCredentials(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, '$1***@');
  if (typeof value !== 'object' || value === null || value instanceof HiddenValue) return value;
  // The pattern never spans a quote, so the JSON stays valid.
  const json = JSON.stringify(value);
  return json === undefined ? value : (JSON.parse(json.replace(URL_CREDENTIALS, '$1***@')) as unknown);
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'is missing';
  if (value instanceof HiddenValue) return `is ${value.kind}, not shown as ${value.why}`;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only what JSON cannot say (a function, a symbol) gets here
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return `has value ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`;
}
