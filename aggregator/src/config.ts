/**
 * The aggregator's configuration: one TypeBox schema (validation, defaults,
 * env overrides, secret masking) plus the cross-field checks a schema cannot
 * express. Loaded once at start; every problem is a ConfigError naming the key.
 */
import Type, { type Static } from 'typebox';
import {
  ConfigError,
  HiddenValue,
  IDENTIFIER_PATTERN,
  LogLevel,
  MAX_DURATION_MS,
  MAX_POPS_PER_ROUND,
  loadConfig,
  type LoadConfigOptions,
  type LoadedConfig,
} from '@propwatch/shared';
import { RESERVED_LABELS } from './notify/alertmanager-alerts.js';
import { describeSecretProblem } from './notify/standard-webhooks.js';
import { MAX_SINGLE_OBSERVER_ROUNDS } from './status/pop-quorum.js';

const Ms = (fallback: number, description: string, minimum = 1) =>
  Type.Integer({ minimum, maximum: MAX_DURATION_MS, default: fallback, description });

export const AggregatorConfigSchema = Type.Object(
  {
    listen: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'address to listen on' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'TCP port (0 = any free port)' }),
      },
      { additionalProperties: false, default: {} },
    ),
    publicUrl: Type.String({
      minLength: 1,
      default: 'http://127.0.0.1:8080',
      description: 'base URL used for links in webhooks',
    }),
    logLevel: LogLevel,
    storage: Type.Object(
      {
        backend: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], {
          default: 'sqlite',
          description: 'storage backend: sqlite (one aggregator, a file) or postgres (several replicas share it)',
        }),
        path: Type.String({ minLength: 1, default: './propwatch.db', description: 'SQLite database file' }),
        url: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 2048,
            pattern: '^postgres(ql)?://',
            // Secret because operators may put the password in it (accepted, warned about): masked in dumps and logs.
            secret: true,
            description: 'postgres: postgres://user@host:port/database (the password goes in password or passwordFile)',
          }),
        ),
        password: Type.Optional(
          Type.String({
            minLength: 1,
            maxLength: 1024,
            secret: true,
            description: 'postgres: the password (set it with PROPWATCH_STORAGE__PASSWORD rather than in the file)',
          }),
        ),
        passwordFile: Type.Optional(
          Type.String({ minLength: 1, description: 'postgres: a file holding the password (e.g. a mounted secret)' }),
        ),
        poolSize: Type.Integer({
          minimum: 1,
          maximum: 100,
          default: 10,
          description: 'postgres: most connections this aggregator opens',
        }),
        connectTimeoutMs: Ms(5_000, 'postgres: a connection attempt that takes longer fails (ingest answers 503)', 100),
        statementTimeoutMs: Ms(15_000, 'postgres: a statement that runs longer is cancelled by the server', 100),
        synchronous: Type.Union([Type.Literal('normal'), Type.Literal('full')], {
          default: 'full',
          description: 'SQLite synchronous mode: full survives power loss, normal only process crashes',
        }),
        retentionDays: Type.Number({
          exclusiveMinimum: 0,
          maximum: 3650,
          default: 30,
          description: 'rounds older than this are pruned',
        }),
        pruneIntervalMs: Ms(3_600_000, 'how often old rounds are pruned'),
        fileCheckIntervalMs: Ms(
          5_000,
          'how often the database and its WAL are checked to be the files opened (also around writes and on /readyz)',
          100,
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    probes: Type.Array(
      Type.Object(
        {
          id: Type.String({ pattern: IDENTIFIER_PATTERN, description: 'probe id' }),
          token: Type.String({
            minLength: 16,
            maxLength: 512,
            secret: true,
            description: 'bearer token of this probe',
          }),
          region: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 1000, description: 'probes allowed to report' },
    ),
    expectedPops: Type.Optional(
      Type.Array(Type.String({ pattern: IDENTIFIER_PATTERN }), {
        minItems: 1,
        maxItems: MAX_POPS_PER_ROUND,
        description:
          'POP codes probes may report (for anycast targets, the POPs NSIDs map to); a report naming another POP is ' +
          'refused (400); coverage is measured against it (unset: against every POP seen within retention)',
      }),
    ),
    limits: Type.Object(
      {
        popsPerProbe: Type.Integer({
          minimum: 1,
          maximum: MAX_POPS_PER_ROUND,
          default: 200,
          description: 'distinct POPs one probe may report within retention; a report beyond is refused (400)',
        }),
        readRows: Type.Integer({
          minimum: 1_000,
          maximum: 100_000_000,
          default: 100_000,
          description: 'stored rollup cells one read may scan; a longer or wider read is refused (400)',
        }),
        sseSubscribers: Type.Integer({
          minimum: 1,
          maximum: 10_000,
          default: 100,
          description: 'open /api/v1/status/stream connections at once; one more is refused (503, Retry-After)',
        }),
        sseBufferBytes: Type.Integer({
          minimum: 1024,
          maximum: 16 * 1024 * 1024,
          default: 65_536,
          description:
            'bytes a status stream subscriber may leave unsent (its socket does not drain); beyond, it is dropped',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    readToken: Type.Optional(
      Type.String({ minLength: 16, maxLength: 512, secret: true, description: 'bearer token for the read API' }),
    ),
    ingest: Type.Object(
      {
        bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1_048_576 }),
        reportsPerSecond: Type.Number({
          exclusiveMinimum: 0,
          maximum: 100_000,
          default: 10,
          description: 'sustained reports/s per probe',
        }),
        burst: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 30,
          description: 'reports a probe may send at once',
        }),
        maxClockSkewMs: Ms(
          600_000,
          "how far a round's startedAt may be ahead of the aggregator's clock; further is refused (400)",
          1_000,
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        requestTimeoutMs: Ms(
          30_000,
          'a request (headers and body) must arrive within this, or gets a 408 and is closed',
        ),
        headersTimeoutMs: Ms(10_000, 'the request headers must arrive within this (<= requestTimeoutMs)'),
        keepAliveTimeoutMs: Ms(5_000, 'an idle keep-alive connection is closed after this'),
        idleTimeoutMs: Ms(
          60_000,
          'a connection with no traffic either way (e.g. a client that stops reading) is closed',
        ),
        sseHeartbeatMs: Ms(
          15_000,
          'a comment line on every /api/v1/status/stream this often, so proxies and clients see the stream alive ' +
            '(at most half of http.idleTimeoutMs is used, so a quiet stream is never closed as idle)',
          100,
        ),
        sseRetryMs: Ms(1_000, 'the reconnection delay /api/v1/status/stream tells clients (its `retry:` line)', 100),
      },
      { additionalProperties: false, default: {} },
    ),
    analysis: Type.Object(
      { windowMs: Ms(600_000, 'rounds last updated within this window count for the status') },
      { additionalProperties: false, default: {} },
    ),
    status: Type.Object(
      {
        alarmAboveMs: Ms(60_000, 'alarm when worst-case propagation exceeds this'),
        clearBelowMs: Ms(30_000, 'an alarm clears only when worst-case propagation drops below this'),
        quorum: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 1,
          description: 'distinct probes that must see the same POP over the threshold',
        }),
        minFreshProbes: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 1,
          description: 'fewer fresh probes means stale',
        }),
        staleAfterMs: Ms(120_000, 'a probe silent for longer is not fresh'),
        maxExtrapolationMs: Ms(
          5_000,
          "how far past a running round's last report its pending lower bounds keep growing",
          0,
        ),
        degradedAfterWriteFailures: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 3,
          description: 'consecutive write_failed rounds that make a probe write-failing',
        }),
        reevaluateMs: Ms(1_000, 'timer that re-evaluates staleness and running rounds', 10),
        minCoverage: Type.Number({
          minimum: 0,
          maximum: 1,
          default: 0,
          description:
            'share (0–1) of the expected POPs (expectedPops, or every POP seen within retention) fresh probes must ' +
            'observe; below it the status is degraded, naming the blind POPs. 0: off',
        }),
        singleObserverRounds: Type.Integer({
          minimum: 1,
          maximum: MAX_SINGLE_OBSERVER_ROUNDS,
          default: 2,
          description:
            'a POP seen by fewer probes than the quorum alarms only when its breach lasted this many consecutive ' +
            "rounds of each confirming probe (and that probe's other POPs are healthy)",
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    webhooks: Type.Object(
      {
        urls: Type.Array(Type.String({ pattern: '^https?://', maxLength: 2048, secret: true }), {
          default: [],
          maxItems: 20,
          description: 'targets in the slack format, unsigned (shorthand for targets)',
        }),
        targets: Type.Array(
          Type.Object(
            {
              url: Type.String({ pattern: '^https?://', maxLength: 2048, secret: true }),
              format: Type.Union([Type.Literal('slack'), Type.Literal('alertmanager')], {
                default: 'slack',
                description:
                  "slack: propwatch's JSON with a Slack text, one POST per state change; alertmanager: " +
                  "Alertmanager's POST /api/v2/alerts, kept in step with the state",
              }),
              secret: Type.Optional(
                Type.String({
                  maxLength: 200,
                  secret: true,
                  description: 'Standard Webhooks signing secret: whsec_ + base64 of 24-64 random bytes',
                }),
              ),
              labels: Type.Optional(
                Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }), Type.String({ maxLength: 256 }), {
                  maxProperties: 20,
                  description: 'alertmanager: labels added to every alert (e.g. the network or team)',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          { default: [], maxItems: 20 },
        ),
        resendMs: Ms(
          60_000,
          'alertmanager targets: firing alerts are re-sent this often, each valid for 4 periods',
          1_000,
        ),
        timeoutMs: Ms(5_000, 'per-request timeout'),
        maxAttempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
        retryBaseMs: Ms(1_000, 'first retry delay; doubles per attempt', 1),
        queueSize: Type.Integer({
          minimum: 1,
          maximum: 10_000,
          default: 100,
          description: 'pending deliveries kept; oldest dropped beyond',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

/** The validated, frozen configuration. */
export type AggregatorConfig = Static<typeof AggregatorConfigSchema>;

/** Loads YAML + PROPWATCH_* env, applies defaults, validates (schema and cross-field). */
export function loadAggregatorConfig(options: LoadConfigOptions = {}): LoadedConfig<AggregatorConfig> {
  const loaded = loadConfig(AggregatorConfigSchema, options);
  checkConfig(loaded.config, loaded.sourceOf);
  return loaded;
}

/**
 * Checks what the schema cannot: relations between keys. Throws ConfigError.
 * `source` names where values came from: one description for all keys, or
 * the loader's per-key `sourceOf` (an env variable, the file, a default).
 */
export function checkConfig(config: AggregatorConfig, source: string | ((key: string) => string) = 'options'): void {
  const from = typeof source === 'string' ? () => source : source;
  const { status, probes } = config;
  if (status.clearBelowMs > status.alarmAboveMs) {
    throw new ConfigError(
      'status.clearBelowMs',
      status.clearBelowMs,
      `a value <= status.alarmAboveMs (${status.alarmAboveMs}) for hysteresis`,
      from('status.clearBelowMs'),
    );
  }
  if (probes.length > 0 && status.quorum > probes.length) {
    throw new ConfigError(
      'status.quorum',
      status.quorum,
      `at most the number of configured probes (${probes.length}), or no alarm could ever fire`,
      from('status.quorum'),
    );
  }
  if (probes.length > 0 && status.minFreshProbes > probes.length) {
    throw new ConfigError(
      'status.minFreshProbes',
      status.minFreshProbes,
      `at most the number of configured probes (${probes.length})`,
      from('status.minFreshProbes'),
    );
  }
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) {
    throw new ConfigError(
      'http.headersTimeoutMs',
      config.http.headersTimeoutMs,
      `a value <= http.requestTimeoutMs (${config.http.requestTimeoutMs}): the headers are part of the request`,
      from('http.headersTimeoutMs'),
    );
  }
  if (config.expectedPops) {
    const seen = new Set<string>();
    config.expectedPops.forEach((pop, index) => {
      if (seen.has(pop))
        throw new ConfigError(`expectedPops.${index}`, pop, 'a POP code listed once', from('expectedPops'));
      seen.add(pop);
    });
    if (config.limits.popsPerProbe < seen.size) {
      throw new ConfigError(
        'limits.popsPerProbe',
        config.limits.popsPerProbe,
        `at least the number of expectedPops (${seen.size}), or a probe could not report every expected POP`,
        from('limits.popsPerProbe'),
      );
    }
  }
  checkWebhookTargets(config.webhooks, from);
  checkStorage(config.storage, from);
  const ids = new Set<string>();
  const tokens = new Set<string>();
  const hidden = new HiddenValue('a string', 'it is a secret');
  probes.forEach((probe, index) => {
    const key = (field: string) => `probes.${index}.${field}`;
    if (ids.has(probe.id))
      throw new ConfigError(key('id'), probe.id, 'a probe id not used by another probe', from(key('id')));
    if (tokens.has(probe.token))
      throw new ConfigError(key('token'), hidden, 'a token not shared with another probe', from(key('token')));
    if (config.readToken !== undefined && probe.token === config.readToken) {
      throw new ConfigError(key('token'), hidden, 'a token different from readToken', from(key('token')));
    }
    ids.add(probe.id);
    tokens.add(probe.token);
  });
}

/** The keys of the backend chosen are set, the other backend's are not (a postgres key under sqlite is a slip). */
function checkStorage(storage: AggregatorConfig['storage'], from: (key: string) => string): void {
  const hidden = new HiddenValue('a string', 'it is a secret');
  if (storage.backend === 'postgres') {
    if (storage.url === undefined)
      throw new ConfigError(
        'storage.url',
        undefined,
        'postgres://user@host:port/database when storage.backend is postgres',
        from('storage.url'),
      );
    if (storage.password !== undefined && storage.passwordFile !== undefined)
      throw new ConfigError(
        'storage.passwordFile',
        storage.passwordFile,
        'unset when storage.password is set (one source for the password)',
        from('storage.passwordFile'),
      );
    return;
  }
  for (const key of ['url', 'password', 'passwordFile'] as const) {
    if (storage[key] !== undefined)
      throw new ConfigError(
        `storage.${key}`,
        key === 'passwordFile' ? storage[key] : hidden,
        'unset: it is for storage.backend postgres (storage.backend is sqlite)',
        from(`storage.${key}`),
      );
  }
}

/** Signing secrets in the Standard Webhooks format, labels that do not hide which alert it is, 20 targets in all. */
function checkWebhookTargets(webhooks: AggregatorConfig['webhooks'], from: (key: string) => string): void {
  const total = webhooks.urls.length + webhooks.targets.length;
  if (total > 20)
    throw new ConfigError(
      'webhooks.targets',
      new HiddenValue('a list', 'it holds secrets'),
      `at most 20 targets with webhooks.urls (got ${total})`,
      from('webhooks.targets'),
    );
  webhooks.targets.forEach((target, index) => {
    const key = (field: string) => `webhooks.targets.${index}.${field}`;
    if (target.secret !== undefined) {
      const problem = describeSecretProblem(target.secret);
      if (problem)
        throw new ConfigError(
          key('secret'),
          new HiddenValue('a string', 'it is a secret'),
          problem,
          from(key('secret')),
        );
    }
    for (const label of Object.keys(target.labels ?? {})) {
      if (target.format !== 'alertmanager')
        throw new ConfigError(
          key('labels'),
          target.labels,
          'no labels: they are for the alertmanager format',
          from(key('labels')),
        );
      if ((RESERVED_LABELS as readonly string[]).includes(label))
        throw new ConfigError(
          `${key('labels')}.${label}`,
          target.labels?.[label],
          `a label other than ${RESERVED_LABELS.join(', ')} (propwatch sets those)`,
          from(key('labels')),
        );
    }
  });
}
