export * from './config-error.js';
export * from './env-overrides.js';
export * from './load-config.js';
export * from './mask-secrets.js';
export * from './flag-overrides.js';
export * from './schema-errors.js';
export { describeExpected, jsonSchemaOf, leafPaths, schemaAt, valueAt, type JsonSchema } from './schema-walk.js';
