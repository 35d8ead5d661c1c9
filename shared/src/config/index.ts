export * from './config-error.js';
export * from './env-overrides.js';
export * from './load-config.js';
export { leafPaths, type JsonSchema } from './schema-walk.js';
