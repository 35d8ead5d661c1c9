import Type, { type Static } from 'typebox';

export const CloudflareWriterConfig = Type.Object(
  {
    apiBaseUrl: Type.String({
      default: 'https://api.cloudflare.com/client/v4',
      description: 'v4 API base; point at the sim for tests and the demo',
    }),
    apiToken: Type.String({ minLength: 1, secret: true, description: 'API token with Zone.DNS:Edit on the zone' }),
    zoneId: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9]{1,64}$', description: 'zone id; looked up by zone name when absent' }),
    ),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
    maxRetries: Type.Integer({
      minimum: 0,
      maximum: 10,
      default: 3,
      description: 'retries after 429, 5xx and network errors',
    }),
    maxRetryAfterMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 30_000,
      description: 'longest Retry-After we are willing to wait inside one write',
    }),
  },
  { additionalProperties: false },
);
export type CloudflareWriterConfig = Static<typeof CloudflareWriterConfig>;
