/**
 * Where and how the PostgreSQL store connects: the URL without its password,
 * the password from `storage.password` (PROPWATCH_STORAGE__PASSWORD), a file,
 * or (accepted, warned about) the URL itself. The password is handed to the
 * driver as a separate field, so no URL holding it is kept or logged.
 */
import { readFileSync } from 'node:fs';
import type { PoolConfig } from 'pg';

export interface PgConnectionOptions {
  /** postgres://user@host:port/database (a password in it works, with a warning). */
  url: string;
  /** The password itself (from the config key or its environment variable). */
  password?: string | undefined;
  /** A file holding the password (trailing newline ignored), e.g. a mounted secret. */
  passwordFile?: string | undefined;
  /** Upper bound of connections in the pool. */
  poolSize: number;
  /** A connection attempt that takes longer fails. */
  connectTimeoutMs: number;
  /** A statement that runs longer is cancelled by the server. */
  statementTimeoutMs: number;
  /** Told about a password found in the URL (once, at open). */
  warn?: (message: string) => void;
}

export interface PgConnection {
  pool: PoolConfig;
  /** Strings to scrub from any error text (the password, the URL as configured). */
  secrets: string[];
  /** The URL without its password, for log lines. */
  safeUrl: string;
}

/** libpq's sslmode, as the driver takes it (verify-full checks the certificate and host name; require does too here). */
const SSL_MODES: Record<string, PoolConfig['ssl']> = {
  disable: false,
  require: true,
  'verify-full': true,
  'no-verify': { rejectUnauthorized: false },
};

function readPassword(file: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'error';
    throw new Error(`storage.passwordFile ${file} cannot be read (${code}); give a readable file holding the password`);
  }
}

/** Resolves the pool's connection settings. Throws an error naming the key when the URL or file is unusable. */
export function pgConnection(options: PgConnectionOptions): PgConnection {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new Error('storage.url is not a URL; expected postgres://user@host:port/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new Error(`storage.url has scheme ${url.protocol}; expected postgres://user@host:port/database`);
  const inUrl = url.password ? decodeURIComponent(url.password) : undefined;
  if (inUrl !== undefined)
    options.warn?.(
      'storage.url holds a password: it works, but anyone who can read the config or the process list sees it; ' +
        'use storage.passwordFile or PROPWATCH_STORAGE__PASSWORD instead',
    );
  url.password = '';
  const safeUrl = url.toString();
  const password =
    options.password ?? (options.passwordFile !== undefined ? readPassword(options.passwordFile) : undefined) ?? inUrl;
  const ssl = SSL_MODES[url.searchParams.get('sslmode') ?? 'disable'];
  if (ssl === undefined) throw new Error('storage.url sslmode must be one of disable, require, verify-full, no-verify');
  const pool: PoolConfig = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 5432,
    ...(url.username ? { user: decodeURIComponent(url.username) } : {}),
    ...(url.pathname.length > 1 ? { database: decodeURIComponent(url.pathname.slice(1)) } : {}),
    ssl,
    ...(password === undefined ? {} : { password }),
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    // A query the server never answers (network partition) fails too, a little after the server would cancel it.
    query_timeout: options.statementTimeoutMs + options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: 'propwatch-aggregator',
  };
  return { pool, secrets: [password ?? '', options.url].filter(Boolean), safeUrl };
}
