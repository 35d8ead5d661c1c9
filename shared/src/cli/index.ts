export * from './command-line.js';
export * from './exit-codes.js';
export * from './run-command.js';
export * from './stop-signals.js';
export * from './check-directory.js';
export * from './listen-error.js';
