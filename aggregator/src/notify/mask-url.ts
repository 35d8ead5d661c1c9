/**
 * Webhook URLs carry their secret in the path (Slack: /services/T…/B…/xyz) or
 * the query (?token=…), so logs show only the scheme, host and first path segment.
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const first = parsed.pathname.split('/').filter(Boolean)[0];
    const rest = parsed.pathname.split('/').filter(Boolean).length > 1 || parsed.search ? '/***' : '';
    return `${parsed.protocol}//${parsed.host}${first ? `/${first}` : ''}${rest}`;
  } catch {
    return '(invalid url)';
  }
}
