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
/** A round's startedAt is further from the aggregator's clock than it can be (a probe clock off, or a forgery). */
export const clockSkew = (message: string) => new ApiError(400, 'PROPWATCH_CLOCK_SKEW', message);
/** A round older than anything the aggregator keeps (retention): it would be pruned at once. */
export const roundTooOld = (message: string) => new ApiError(400, 'PROPWATCH_ROUND_TOO_OLD', message);
/** A report changes what a stored round was first reported with (serial, startedAt). */
export const roundConflict = (message: string) => new ApiError(409, 'PROPWATCH_ROUND_CONFLICT', message);
/** Storage refused a write (disk full, read-only, I/O error): a temporary condition the probe should retry, never a 500. */
export const storageUnavailable = (message: string) =>
  new ApiError(503, 'PROPWATCH_STORAGE_UNAVAILABLE', message, { 'retry-after': '5' });

/** A report naming a POP outside expectedPops, or taking its probe past limits.popsPerProbe: nothing is stored. */
export const popRefused = (code: 'PROPWATCH_UNEXPECTED_POP' | 'PROPWATCH_POP_LIMIT', message: string) =>
  new ApiError(400, code, message);
/** limits.sseSubscribers status streams are open already. */
export const streamFull = (limit: number) =>
  new ApiError(
    503,
    'PROPWATCH_STREAM_FULL',
    `${limit} status streams are open (limits.sseSubscribers); retry later, or poll GET /api/v1/status meanwhile`,
    { 'retry-after': '5' },
  );
/** A read whose window × series would scan more than limits.readRows stored cells. */
export const readTooLarge = (message: string) => new ApiError(400, 'PROPWATCH_READ_TOO_LARGE', message);

/**
 * The same error, answered with `connection: close`: for refusals decided before the body is read (ingest auth,
 * rate limit), so the server neither reads nor drains a body it will never use and the connection ends at once.
 */
export const closingConnection = (error: ApiError) =>
  new ApiError(error.statusCode, error.code, error.message, { ...error.headers, connection: 'close' });
