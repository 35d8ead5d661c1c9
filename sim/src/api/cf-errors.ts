/**
 * Every error the sim's provider API can return, with Cloudflare v4 codes.
 * Codes confirmed from real Cloudflare answers: 10000 "Authentication error"
 * (403), 1004 "DNS Validation Error" wrapping an `error_chain`, 9021 invalid
 * TTL, 9051 non-printable TXT, 81057/81058 record (identical) exists, 81044
 * record does not exist, 7003/7000 routing, 971 throttling, 9004 not
 * proxiable. 9000/9005/9007/9207 follow Cloudflare's numbering where the
 * exact real code could not be confirmed; README lists them.
 */
export interface CfError {
  code: number;
  message: string;
  error_chain?: Array<{ code: number; message: string }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: CfError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors.map((e) => `${e.code}: ${e.message}`).join('; '));
  }
}

const single = (status: number, code: number, message: string) => new ApiError(status, [{ code, message }]);
/** Cloudflare wraps record validation failures in 1004 with the detail in error_chain. */
const validation = (code: number, message: string) =>
  new ApiError(400, [{ code: 1004, message: 'DNS Validation Error', error_chain: [{ code, message }] }]);

export const cfErrors = {
  authentication: () => single(403, 10000, 'Authentication error'),
  noRoute: () => single(400, 7000, 'No route for that URI'),
  badZoneId: (path: string) =>
    single(400, 7003, `Could not route to ${path}, perhaps your object identifier is invalid?`),
  recordNotFound: () => single(404, 81044, 'Record does not exist.'),
  identicalRecord: () => single(400, 81058, 'An identical record already exists.'),
  invalidBody: (detail: string) => single(400, 9207, `Request body is invalid. ${detail}`),
  bodyTooLarge: (limit: number) => single(413, 9207, `Request body is larger than ${limit} bytes.`),
  unsupportedMediaType: (type: string) =>
    single(415, 6003, `Invalid request headers: content-type ${JSON.stringify(type)} is not application/json`),
  invalidName: (detail: string) => validation(9000, `DNS name is invalid. ${detail}`),
  invalidType: (detail: string) => validation(9007, detail),
  invalidContent: (detail: string) => validation(9005, detail),
  nonPrintableTxt: () => validation(9051, 'Invalid TXT record. Record may only contain printable ASCII!'),
  invalidTtl: (minTtl: number) =>
    validation(9021, `Invalid TTL. Must be between ${minTtl} and 86400 seconds, or 1 for automatic.`),
  notProxiable: () => validation(9004, 'This record type cannot be proxied.'),
  throttled: (retryAfterS: number) =>
    new ApiError(429, [{ code: 971, message: 'Please wait and consider throttling your request speed' }], {
      'retry-after': String(retryAfterS),
    }),
  injected: (status: number) => single(status, 1000, `Injected server error ${status} (propwatch-sim API fault)`),
  badRequest: (message: string) => single(400, 1001, message),
  notFound: (message: string) => single(404, 1002, message),
};
