export * from './limits.js';
export * from './round-report.js';
export * from './status.js';
export * from './report-consistency.js';
