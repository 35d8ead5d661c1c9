/**
 * What a person sees when a PROPWATCH_* value that is or holds a secret is
 * wrong, for all four components, through each one's real config loader: the
 * message names the environment variable and never contains the secret, and
 * neither does the error serialised (as a logger's `err` would be). The
 * components print exactly `error.message` on stderr before exiting 78.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@propwatch/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPONENTS, type ComponentName } from './helpers/components.js';

const SECRET = 'Sekr1t-7f3a9c21b8e44d0a';
const HOOK = `https://hooks.slack.com/services/T000/B000/${SECRET}`;

const dir = mkdtempSync(join(tmpdir(), 'propwatch-config-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A probe config that is valid as it stands, so each row's variable is the only thing wrong. */
const probeFile = join(dir, 'probe.yaml');
writeFileSync(
  probeFile,
  `probe: { id: p1 }
zone: example.test
writer:
  kind: rfc2136
  rfc2136:
    server: 192.0.2.53
    tsig: { name: probe-key, secret: c2VjcmV0c2VjcmV0c2VjcmV0 }
targets: [{ name: LHR, address: 192.0.2.1 }]
`,
);
const FILES: Record<ComponentName, string | undefined> = {
  aggregator: undefined,
  probe: probeFile,
  'alarm-pi': undefined,
  sim: undefined,
};
const BASE_ENV: Record<ComponentName, Record<string, string>> = {
  aggregator: {},
  probe: {},
  'alarm-pi': { PROPWATCH_AGGREGATOR__URL: 'http://127.0.0.1:8080' },
  sim: {},
};

interface Row {
  component: ComponentName;
  why: string;
  variable: string;
  value: string;
  /** More variables the row needs (their value is not what is wrong). */
  env?: Record<string, string>;
  /** The key the error names. */
  key: string;
}

const probes = (json: string): Pick<Row, 'variable' | 'value'> => ({ variable: 'PROPWATCH_PROBES', value: json });

const ROWS: Row[] = [
  { component: 'aggregator', why: 'bad JSON', ...probes(`[{"id":"p1","token":"${SECRET}"`), key: 'probes' },
  {
    component: 'aggregator',
    why: 'an object, not a list',
    ...probes(`{"id":"p1","token":"${SECRET}"}`),
    key: 'probes',
  },
  { component: 'aggregator', why: '"id:token" strings', ...probes(`["p1:${SECRET}"]`), key: 'probes.0' },
  {
    component: 'aggregator',
    why: 'the token as a list',
    ...probes(`[{"id":"p1","token":["${SECRET}"]}]`),
    key: 'probes.0.token',
  },
  {
    component: 'aggregator',
    why: 'a misspelt token key',
    ...probes(`[{"id":"p1","tokn":"${SECRET}"}]`),
    key: 'probes.0.tokn',
  },
  {
    component: 'aggregator',
    why: 'a signing secret without the whsec_ prefix',
    variable: 'PROPWATCH_WEBHOOKS__TARGETS',
    value: `[{"url":"${HOOK}","secret":"${SECRET}"}]`,
    key: 'webhooks.targets.0.secret',
  },
  {
    component: 'aggregator',
    why: 'a too short token',
    ...probes(`[{"id":"p1","token":"${SECRET.slice(0, 12)}"}]`),
    key: 'probes.0.token',
  },
  {
    component: 'aggregator',
    why: 'two probes sharing a token',
    ...probes(`[{"id":"p1","token":"${SECRET}"},{"id":"p2","token":"${SECRET}"}]`),
    key: 'probes.1.token',
  },
  {
    component: 'aggregator',
    why: 'a probe token equal to the read token',
    ...probes(`[{"id":"p1","token":"${SECRET}"}]`),
    env: { PROPWATCH_READ_TOKEN: SECRET },
    key: 'probes.0.token',
  },
  {
    component: 'aggregator',
    why: 'bad JSON',
    variable: 'PROPWATCH_WEBHOOKS__URLS',
    value: `["${HOOK}"`,
    key: 'webhooks.urls',
  },
  {
    component: 'aggregator',
    why: 'an object, not a list',
    variable: 'PROPWATCH_WEBHOOKS__URLS',
    value: `{"slack":"${HOOK}"}`,
    key: 'webhooks.urls',
  },
  {
    component: 'aggregator',
    why: 'one bad URL in a list',
    variable: 'PROPWATCH_WEBHOOKS__URLS',
    value: `${HOOK},hooks.example/${SECRET}`,
    key: 'webhooks.urls.1',
  },
  {
    component: 'aggregator',
    why: 'a too short token',
    variable: 'PROPWATCH_READ_TOKEN',
    value: SECRET.slice(0, 12),
    key: 'readToken',
  },
  {
    component: 'probe',
    why: 'not base64',
    variable: 'PROPWATCH_WRITER__RFC2136__TSIG__SECRET',
    value: `${SECRET} ${SECRET}`,
    key: 'writer.rfc2136.tsig.secret',
  },
  {
    component: 'probe',
    why: 'empty',
    variable: 'PROPWATCH_REPORT__TOKEN',
    value: '',
    key: 'report.token',
  },
  {
    component: 'alarm-pi',
    why: 'a token file saved with CRLF',
    variable: 'PROPWATCH_AGGREGATOR__READ_TOKEN',
    value: `${SECRET}\r\n`,
    key: 'aggregator.readToken',
  },
  {
    component: 'alarm-pi',
    why: '"Bearer " pasted in front',
    variable: 'PROPWATCH_AGGREGATOR__READ_TOKEN',
    value: `Bearer ${SECRET}`,
    key: 'aggregator.readToken',
  },
  {
    component: 'sim',
    why: 'a too short API token',
    variable: 'PROPWATCH_API_TOKEN',
    value: SECRET.slice(0, 7),
    key: 'apiToken',
  },
  {
    component: 'sim',
    why: 'a too short admin token',
    variable: 'PROPWATCH_ADMIN_TOKEN',
    value: SECRET.slice(0, 7),
    key: 'adminToken',
  },
];

function configErrorOf(row: Row): ConfigError {
  const env = { ...BASE_ENV[row.component], ...row.env, [row.variable]: row.value };
  try {
    COMPONENTS[row.component].load(FILES[row.component], env, []);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`${row.component} accepted ${row.variable}=${JSON.stringify(row.value)}`);
}

describe('a wrong PROPWATCH_* value that is or holds a secret', () => {
  it.each(ROWS.map((row) => [`${row.component}: ${row.variable} ${row.why}`, row] as const))('%s', (_name, row) => {
    const error = configErrorOf(row);
    const everything = `${error.message}\n${error.stack}\n${JSON.stringify(error)}`;
    // The shortest secret in the table is 7 characters: none of it may show.
    expect(everything).not.toContain(SECRET.slice(0, 7));
    expect(error.key).toBe(row.key);
    expect(error.message).toContain(`(environment variable ${row.variable})`);
    expect(error.message).toMatch(/not shown as (it is a secret|it holds secrets|the key is unknown)/);
  });
});
