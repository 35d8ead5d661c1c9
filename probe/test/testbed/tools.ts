/**
 * Whether the real servers can run here. Tests use this to fail in CI (where
 * .ci/run installs bind9 and knot) and to skip, with the reason printed,
 * only outside CI.
 */
import { spawnSync } from 'node:child_process';
import { KNOTD_PATH, NAMED_PATH } from './dns-server.js';
import { PDNS_PATH, PDNS_SCHEMAS, pdnsSchemaFile } from './pdns-server.js';

const runs = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return !result.error && result.status === 0;
};

/** Why named cannot run here, or undefined when it can. */
export function namedUnavailable(): string | undefined {
  if (!runs(NAMED_PATH, ['-v'])) return `${NAMED_PATH} not found (install bind9)`;
  if (!runs('dig', ['-v'])) return 'dig not found (install bind9-dnsutils)';
  return undefined;
}

/** Why knotd cannot run here, or undefined when it can. */
export function knotUnavailable(): string | undefined {
  if (!runs(KNOTD_PATH, ['-V'])) return `${KNOTD_PATH} not found (install knot)`;
  if (!runs('kdig', ['-V'])) return 'kdig not found (install knot-dnsutils)';
  return undefined;
}

/** Why PowerDNS (with its sqlite3 backend) cannot run here, or undefined when it can. */
export function pdnsUnavailable(): string | undefined {
  // pdns_server --version exits 99; --help exits 0.
  if (!runs(PDNS_PATH, ['--help'])) return `${PDNS_PATH} not found (install pdns-server)`;
  if (!pdnsSchemaFile()) return `no ${PDNS_SCHEMAS[0]} (install pdns-backend-sqlite3)`;
  return undefined;
}

/**
 * The reason to skip a suite that needs these servers, or undefined to run
 * it. In CI a missing server is never a reason to skip: the suite runs and
 * its beforeAll fails with `missing` instead.
 */
export function skipReason(suite: string, ...missing: (string | undefined)[]): string | undefined {
  const reasons = missing.filter((reason): reason is string => reason !== undefined);
  if (reasons.length === 0 || process.env.CI) return undefined;
  const reason = `skipping ${suite}: ${reasons.join('; ')}`;
  console.warn(reason);
  return reason;
}
