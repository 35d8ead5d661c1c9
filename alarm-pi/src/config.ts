/**
 * alarm-pi configuration: one TypeBox schema that is the TypeScript type, the
 * validator and the source of the README's config table.
 */
import Type, { type Static } from 'typebox';
import { ConfigError, loadConfig, type LoadedConfig, LogLevel } from '@propwatch/shared';

/** Driver keys; the driver map in drivers/index.ts is typed against this list. */
export const DRIVER_NAMES = ['gpio', 'gpioset', 'console'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

const Ms = (defaultMs: number, minimum = 0) => Type.Integer({ minimum, maximum: 86_400_000, default: defaultMs });

/** `off`, `steady`, or a blink cycle. */
export const PatternSchema = Type.Union([
  Type.Literal('off'),
  Type.Literal('steady'),
  Type.Object(
    { onMs: Type.Integer({ minimum: 20, maximum: 600_000 }), offMs: Type.Integer({ minimum: 20, maximum: 600_000 }) },
    { additionalProperties: false },
  ),
]);

export const AlarmPiConfigSchema = Type.Object(
  {
    aggregator: Type.Object(
      {
        url: Type.Optional(
          Type.String({
            pattern: '^https?://',
            maxLength: 2048,
            description: 'base URL of the aggregator, e.g. http://aggregator:8080 (or aggregator.urls)',
          }),
        ),
        urls: Type.Optional(
          Type.Array(Type.String({ pattern: '^https?://', maxLength: 2048 }), {
            minItems: 1,
            maxItems: 16,
            description: 'several aggregator replicas, tried in order: the next on no answer or a 5xx',
          }),
        ),
        readToken: Type.String({
          default: '',
          maxLength: 512,
          // It goes into an Authorization header: a stray space, CR or newline (a token file
          // saved with CRLF) would only fail at the first poll, as an unreachable aggregator.
          pattern: '^[\\x21-\\x7e]*$',
          expected: 'a token of visible ASCII characters (no spaces or line breaks), at most 512',
          secret: true,
          description: 'bearer token for GET /api/v1/status, if the aggregator requires one',
        }),
        timeoutMs: Ms(2_000, 50),
      },
      { additionalProperties: false },
    ),
    poll: Type.Object(
      {
        intervalMs: Ms(1_000, 100),
        backoffBaseMs: Ms(1_000, 10),
        backoffMaxMs: Ms(30_000, 10),
        unreachableAfter: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 3,
          description: 'consecutive failed polls before the state is unreachable',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    stream: Type.Object(
      {
        enabled: Type.Boolean({
          default: true,
          description: 'follow GET /api/v1/status/stream (polling only while it is down)',
        }),
        silenceMs: Ms(37_500, 1_000),
      },
      { additionalProperties: false, default: {} },
    ),
    driver: Type.Union([Type.Literal('auto'), Type.Literal('gpio'), Type.Literal('gpioset'), Type.Literal('console')], {
      default: 'auto',
      description: 'auto: gpioset where sysfs GPIO is missing or deprecated (kernel 6.6+), else gpio',
    }),
    pin: Type.Integer({ minimum: 0, maximum: 53, default: 17, description: 'BCM GPIO number (17 = header pin 11)' }),
    activeLow: Type.Boolean({
      default: false,
      description: 'true for relay modules that switch on when the input is low',
    }),
    gpio: Type.Object(
      {
        sysfsRoot: Type.String({ minLength: 1, default: '/sys/class/gpio' }),
        sysfsLineOverride: Type.Optional(
          Type.Integer({ minimum: 0, maximum: 4095, description: 'sysfs line number, skipping base detection' }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    gpioset: Type.Object(
      {
        chip: Type.String({ minLength: 1, default: 'gpiochip0' }),
        binary: Type.String({ minLength: 1, default: 'gpioset' }),
        version: Type.Union([Type.Literal('auto'), Type.Literal('v1'), Type.Literal('v2')], { default: 'auto' }),
      },
      { additionalProperties: false, default: {} },
    ),
    beacon: Type.Object(
      {
        patterns: Type.Object(
          {
            stale: Type.Union(PatternSchema.anyOf, { default: { onMs: 1000, offMs: 1000 } }),
            degraded: Type.Union(PatternSchema.anyOf, { default: { onMs: 300, offMs: 2700 } }),
            unreachable: Type.Union(PatternSchema.anyOf, { default: { onMs: 150, offMs: 850 } }),
            quietAlarm: Type.Union(PatternSchema.anyOf, { default: { onMs: 250, offMs: 250 } }),
          },
          { additionalProperties: false, default: {} },
        ),
        minOnMs: Ms(5_000),
        lampTest: Type.Boolean({ default: true }),
        quiet: Type.Boolean({
          default: false,
          description: 'never steady: alarm blinks fast (patterns.quietAlarm) instead',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    healthFile: Type.String({
      default: '',
      description:
        'file rewritten after every poll that got a status; a container healthcheck reads its age ("" = none)',
    }),
    logLevel: LogLevel,
  },
  { additionalProperties: false },
);

export type AlarmPiConfig = Static<typeof AlarmPiConfigSchema>;
export type Pattern = Static<typeof PatternSchema>;

// Keeps the schema's driver union and DRIVER_NAMES (plus 'auto', which picks one of them) in step at compile time.
type ConfiguredDriver = DriverName | 'auto';
const _driversMatch: [ConfiguredDriver, AlarmPiConfig['driver']] extends [AlarmPiConfig['driver'], ConfiguredDriver]
  ? true
  : never = true;

export interface LoadAlarmConfigOptions {
  file?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  /** `--driver` from the command line; wins over file and environment. */
  driver?: string | undefined;
}

/** Loads and validates the config once; throws ConfigError naming key, value, source and what was expected. */
export function loadAlarmConfig(options: LoadAlarmConfigOptions = {}): LoadedConfig<AlarmPiConfig> {
  const loaded = loadConfig(AlarmPiConfigSchema, {
    file: options.file,
    env: options.env ?? {},
    flags: options.driver === undefined ? [] : [{ key: 'driver', flag: '--driver', value: options.driver }],
  });
  const { poll, aggregator } = loaded.config;
  if (aggregator.url !== undefined && aggregator.urls !== undefined) {
    throw new ConfigError(
      'aggregator.urls',
      aggregator.urls,
      'either aggregator.url or aggregator.urls, not both',
      loaded.sourceOf('aggregator.urls'),
    );
  }
  if (aggregator.url === undefined && aggregator.urls === undefined) {
    throw new ConfigError(
      'aggregator.url',
      undefined,
      'the aggregator base URL (aggregator.url), or a list of them (aggregator.urls)',
      loaded.sourceOf('aggregator.url'),
    );
  }
  if (poll.backoffMaxMs < poll.backoffBaseMs) {
    throw new ConfigError(
      'poll.backoffMaxMs',
      poll.backoffMaxMs,
      `a value >= poll.backoffBaseMs (${poll.backoffBaseMs})`,
      loaded.sourceOf('poll.backoffMaxMs'),
    );
  }
  return loaded;
}

/** The aggregator URLs in the order they are tried (`aggregator.url` is a list of one). */
export function aggregatorUrls(config: Pick<AlarmPiConfig, 'aggregator'>): string[] {
  return config.aggregator.urls ?? (config.aggregator.url === undefined ? [] : [config.aggregator.url]);
}
