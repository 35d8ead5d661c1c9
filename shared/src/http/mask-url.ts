/**
 * A URL as it may appear in a log line or a metric help text: credentials
 * (`user:password@`) and the query (which may carry a token) replaced by
 * `***`, control characters dropped, cut to a bounded length. Also takes text
 * that is not a URL at all (a hostile `Location` header) and bounds it alike.
 */
const DEFAULT_MAX_LENGTH = 200;

/** `https://***@agg.example/api?***`; at most `maxLength` characters (then an ellipsis). */
export function maskUrl(text: string, maxLength = DEFAULT_MAX_LENGTH): string {
  // Cut before parsing: a megabyte header must not cost a megabyte parse, and the cut keeps the start.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what a log line must not carry
  const head = text.slice(0, maxLength * 4).replace(/[\u0000-\u001f\u007f]/g, '');
  let masked: string;
  try {
    const url = new URL(head);
    // Other schemes have no host part to trust (`evil:pw@host` is all path): the text rules below apply.
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not an HTTP URL');
    const credentials = url.username || url.password ? '***@' : '';
    const query = url.search ? '?***' : '';
    masked = `${url.protocol}//${credentials}${url.host}${url.pathname}${query}`;
  } catch {
    // Not an HTTP URL (a relative one, garbage): mask anything that looks like credentials or a query in the text itself.
    masked = head.replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@\s]*@/i, '$1***@').replace(/\?.*$/, '?***');
  }
  return masked.length > maxLength ? `${masked.slice(0, maxLength - 1)}…` : masked;
}
