/**
 * The OpenAPI document at /docs/json, checked by a real linter: Redocly CLI (npm @redocly/cli, a
 * devDependency) with aggregator/redocly.yaml — its recommended-strict rules plus an example on every response,
 * 4xx answers described on every API operation and camelCase operationIds. The linter runs as a process on the
 * document the app serves, with and without a read token; a broken copy shows the rules bite.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test, vi } from 'vitest';
import { READ_TOKEN, type TestApp, buildTestApp, tempDir } from './helpers.js';

const CONFIG = fileURLToPath(new URL('../redocly.yaml', import.meta.url));
const REDOCLY = join(createRequire(import.meta.url).resolve('@redocly/cli/package.json'), '..', 'bin', 'cli.js');

interface LintResult {
  exitCode: number;
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
}

type Operation = {
  operationId?: string;
  security?: unknown[];
  responses: Record<string, { description: string; content?: Record<string, { example?: unknown }> }>;
};
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

/** `redocly lint` on `document`: its exit code and JSON report. No telemetry, no update check (offline CI). */
async function lint(document: unknown): Promise<LintResult> {
  const temp = tempDir();
  try {
    const file = join(temp.dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    return await new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [REDOCLY, 'lint', '--config', CONFIG, '--format=json', file],
        {
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
          maxBuffer: 16 * 1024 * 1024,
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          try {
            resolve({ exitCode, ...(JSON.parse(stdout) as Omit<LintResult, 'exitCode'>) });
          } catch {
            reject(new Error(`redocly lint exited ${exitCode} without a JSON report:\n${stdout}\n${stderr}`));
          }
        },
      );
    });
  } finally {
    temp.cleanup();
  }
}

const summary = (result: LintResult) =>
  result.problems.map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`).join('\n');

// Each lint is a Node process loading a 15 MB bundle: seconds on a loaded CI machine.
vi.setConfig({ testTimeout: 120_000 });

let t: TestApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function documentOf(overrides: Record<string, unknown>): Promise<Document> {
  t = buildTestApp({ publicUrl: 'https://propwatch.example.net', ...overrides });
  const response = await t.app.inject('/docs/json');
  expect(response.statusCode).toBe(200);
  return response.json<Document>();
}

const operations = (document: Document) =>
  Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );

test('with a read token: redocly lint is clean, and the document has what a client generator needs', async () => {
  const document = await documentOf({ readToken: READ_TOKEN });
  const result = await lint(document);
  expect(summary(result)).toBe('');
  expect(result.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  expect(result.exitCode).toBe(0);

  expect(Object.keys(document.components.schemas).sort()).toEqual(
    [
      'AlarmHistory',
      'Coverage',
      'Error',
      'Health',
      'History',
      'Matrix',
      'IngestAck',
      'Observation',
      'Pops',
      'Probes',
      'Propagation',
      'Round',
      'Rounds',
      'Status',
    ].sort(),
  );
  // `state` is one enum, not an anyOf of one-value enums.
  expect(document.components.schemas.Status!.properties!.state).toEqual({
    type: 'string',
    enum: ['ok', 'alarm', 'stale', 'degraded'],
  });
  const ids = operations(document).map(({ operation }) => operation.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { path, operation } of operations(document)) {
    const expected =
      path.startsWith('/api/v1/rounds') && operation.operationId === 'ingestRound'
        ? [{ probeToken: [] }]
        : path.startsWith('/api/')
          ? [{ readToken: [] }]
          : [];
    expect({ path, security: operation.security }).toEqual({ path, security: expected });
  }
  const status = document.paths['/api/v1/status']!.get!;
  expect(status.responses['200']!.content!['application/json']!.example).toMatchObject({ state: 'alarm' });
  expect(status.responses['4XX']!.description).toMatch(/read token/);
});

test('without a read token the read routes are documented as open (no credentials is an alternative)', async () => {
  const document = await documentOf({});
  const result = await lint(document);
  expect(summary(result)).toBe('');
  expect(result.exitCode).toBe(0);
  expect(document.paths['/api/v1/status']!.get!.security).toEqual([{ readToken: [] }, {}]);
  expect(document.paths['/api/v1/rounds']!.post!.security).toEqual([{ probeToken: [] }]);
});

test('the linter catches what the rules are for: a missing example, undescribed 4xx, an example that lies', async () => {
  const document = await documentOf({ readToken: READ_TOKEN });
  const broken = structuredClone(document);
  delete broken.paths['/api/v1/status']!.get!.responses['200']!.content!['application/json']!.example;
  delete broken.paths['/api/v1/probes']!.get!.responses['4XX'];
  const pops = broken.paths['/api/v1/pops']!.get!.responses['200']!.content!['application/json']!;
  (pops.example as { windowMs: unknown }).windowMs = 'ten minutes';
  delete broken.paths['/api/v1/propagation']!.get!.operationId;
  const result = await lint(broken);
  expect(result.exitCode).not.toBe(0);
  const rules = new Set(result.problems.map((p) => p.ruleId));
  expect(rules).toEqual(
    new Set([
      'rule/response-example',
      'rule/operation-4xx-described',
      'no-invalid-media-type-examples',
      'operation-operationId',
    ]),
  );
});
