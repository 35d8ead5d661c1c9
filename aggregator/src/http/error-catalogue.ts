/** Every error the API answers with, by code: one place for status codes. */

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export const unauthorized = (message: string) =>
  new ApiError(401, 'PROPWATCH_UNAUTHORIZED', message, { 'www-authenticate': 'Bearer' });
export const forbidden = (message: string) => new ApiError(403, 'PROPWATCH_FORBIDDEN', message);
export const rateLimited = (message: string, retryAfterSeconds: number) =>
  new ApiError(429, 'PROPWATCH_RATE_LIMITED', message, { 'retry-after': String(retryAfterSeconds) });
export const badQuery = (message: string) => new ApiError(400, 'PROPWATCH_BAD_QUERY', message);
/** A report that passes the schema but breaks a rule between its fields (shared findInconsistencies). */
export const badReport = (message: string) => new ApiError(400, 'PROPWATCH_BAD_REPORT', message);
/** Storage refused a write (disk full, read-only, I/O error): a temporary condition the probe should retry, never a 500. */
export const storageUnavailable = (message: string) =>
  new ApiError(503, 'PROPWATCH_STORAGE_UNAVAILABLE', message, { 'retry-after': '5' });
