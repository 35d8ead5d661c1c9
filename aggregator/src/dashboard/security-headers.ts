/**
 * Headers sent with the dashboard page and its assets. The policy allows only
 * same-origin scripts, styles and fetches: no inline script or style, no
 * plugins, no framing, no forms. uPlot styles its elements through the CSSOM
 * (`el.style.left = …`), which CSP does not restrict, so `style-src 'self'` is
 * enough; the browser test asserts that no violation is reported.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Assets are small and change with deployments; revalidate with the ETag every time.
  'cache-control': 'no-cache',
};
