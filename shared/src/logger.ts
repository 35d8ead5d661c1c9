/**
 * pino JSON logger with two layers against leaking secrets: key-based
 * redaction (any `token`, `apiToken`, `secret`, `authorization`... field) and
 * a value scrubber on the output stream that replaces every known secret
 * string wherever it appears, including inside error messages and URLs.
 */
import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[REDACTED]';

const SECRET_KEYS = [
  'token',
  'apiToken',
  'readToken',
  'secret',
  'tsigSecret',
  'password',
  'authorization',
  'Authorization',
  'cookie',
  'key',
];

/** Redaction paths for the secret key names at the top level and one or two levels deep. */
export const DEFAULT_REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

export interface LoggerOptions {
  name: string;
  level?: LevelWithSilent;
  /** Secret values (tokens, TSIG keys) to scrub from every line. */
  secrets?: readonly string[];
  /** Where lines go; stdout by default. Tests pass a stream that collects lines. */
  destination?: DestinationStream;
  /** Extra pino redaction paths. */
  redact?: readonly string[];
}

export function createLogger(options: LoggerOptions): Logger {
  const target = options.destination ?? pino.destination({ dest: 1, sync: false });
  const secrets = [...new Set(options.secrets ?? [])].filter((secret) => secret.length >= 4);
  const destination = secrets.length ? scrubbingStream(target, secrets) : target;
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: [...DEFAULT_REDACT_PATHS, ...(options.redact ?? [])], censor: REDACTED },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** Replaces each secret (and its JSON-escaped form) by [REDACTED]. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join(REDACTED);
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join(REDACTED);
  }
  return out;
}

function scrubbingStream(target: DestinationStream, secrets: readonly string[]): DestinationStream {
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      target.write(scrubSecrets(chunk.toString(), secrets));
      callback();
    },
  });
}
