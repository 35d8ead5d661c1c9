/* global sessionStorage, history, location, window */
/**
 * Read API access. When the aggregator has a read token, open the page as
 * `/?token=<read token>`: the token moves to sessionStorage (this tab only)
 * and is removed from the address bar, then goes out as a bearer header.
 */
const TOKEN_KEY = 'propwatch.readToken';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function adoptTokenFromUrl() {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  url.searchParams.delete('token');
  history.replaceState(null, '', url.pathname + url.search + url.hash);
}

export function promptForToken() {
  const token = window.prompt('This aggregator requires its read token (readToken):');
  if (token) sessionStorage.setItem(TOKEN_KEY, token.trim());
  return Boolean(token);
}

/** The read token as a bearer header, or no header without one. */
export function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { authorization: `Bearer ${token}` } : {};
}

export async function getJson(path) {
  const headers = { accept: 'application/json', ...authHeaders() };
  let response;
  try {
    response = await fetch(path, { headers, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, `aggregator unreachable (${error.message})`);
  }
  if (!response.ok) {
    let message = response.statusText;
    try {
      message = (await response.json()).message ?? message;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, `${path}: ${response.status} ${message}`);
  }
  return response.json();
}
