export * from './wire/index.js';
export * from './canary.js';
export * from './serial.js';
export * from './config/index.js';
export * from './logger.js';
export * from './version.js';
export * from './backoff.js';
export * from './log-level.js';
