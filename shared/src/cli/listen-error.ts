/**
 * A server that cannot listen says why and what to change, in one line: the
 * port in use is the commonest first-run failure (a second demo, an old
 * aggregator still running).
 */
import { envNameFor } from '../config/env-overrides.js';
import { CommandError, EXIT_FAILURE } from './exit-codes.js';

/** A CommandError for a failed listen on `host:port`, whose port is the config key `portKey`. */
export function listenFailure(error: unknown, host: string, port: number, portKey: string): CommandError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host}:${port}`;
  const change = `set ${portKey} (${envNameFor(portKey.split('.'))})`;
  const why =
    code === 'EADDRINUSE'
      ? `${where} is in use (EADDRINUSE): stop what listens there, or ${change} to another port (0 picks a free one)`
      : code === 'EACCES'
        ? `${where} needs privileges (EACCES): ports below 1024 need root or CAP_NET_BIND_SERVICE; or ${change}`
        : code === 'EADDRNOTAVAIL'
          ? `${host} is not an address of this machine (EADDRNOTAVAIL): fix the listen address`
          : `${where}: ${(error as Error | undefined)?.message ?? String(error)}`;
  return new CommandError(`cannot listen on ${why}`, EXIT_FAILURE);
}
