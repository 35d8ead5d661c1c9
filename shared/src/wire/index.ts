export * from './limits.js';
export * from './round-report.js';
export * from './status.js';
export * from './error-body.js';
export * from './report-consistency.js';
