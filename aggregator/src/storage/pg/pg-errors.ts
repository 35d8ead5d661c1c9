/**
 * PostgreSQL failures as errors an operator can act on: a stable `code`
 * (POSTGRES_UNREACHABLE, POSTGRES_AUTH_FAILED, …) that /readyz and the ingest
 * 503 name, and a message that never holds the password (it is scrubbed, in
 * case a driver or server message ever quotes it).
 */

/** SQLSTATE classes and connection errors, by what the operator should look at. */
function classify(error: { code?: unknown; message?: unknown }): string {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  if (code === '28P01' || code === '28000') return 'POSTGRES_AUTH_FAILED';
  if (code === '3D000') return 'POSTGRES_NO_DATABASE';
  if (code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('08')) return 'POSTGRES_UNAVAILABLE';
  if (code === '53100') return 'POSTGRES_DISK_FULL';
  if (code === '25006') return 'POSTGRES_READ_ONLY';
  if (code === '57014') return 'POSTGRES_TIMEOUT';
  if (/^E[A-Z]+$/.test(code) || /connection|terminated|timeout/i.test(message)) return 'POSTGRES_UNREACHABLE';
  return /^[0-9A-Z]{5}$/.test(code) ? `POSTGRES_${code}` : 'POSTGRES_ERROR';
}

/** A failed PostgreSQL operation. `code` is for readiness and metrics; `sqlState` is PostgreSQL's own, if any. */
export class PgStoreError extends Error {
  readonly code: string;
  readonly sqlState: string | undefined;

  constructor(code: string, message: string, sqlState?: string) {
    super(message);
    this.name = 'PgStoreError';
    this.code = code;
    this.sqlState = sqlState;
  }
}

/** Wraps a driver error: classified, its text stripped of `secrets` (the password, the URL holding it). */
export function pgStoreError(error: unknown, doing: string, secrets: readonly string[]): PgStoreError {
  if (error instanceof PgStoreError) return error;
  const raw = (error ?? {}) as { code?: unknown; message?: unknown };
  let text = typeof raw.message === 'string' ? raw.message : String(error);
  for (const secret of secrets) if (secret) text = text.split(secret).join('***');
  const code = classify(raw);
  const sqlState = typeof raw.code === 'string' && /^[0-9A-Z]{5}$/.test(raw.code) ? raw.code : undefined;
  return new PgStoreError(code, `PostgreSQL ${doing} failed (${code}): ${text}`, sqlState);
}
