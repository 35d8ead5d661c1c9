import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Suites that load the machine or measure timing (accuracy against ground
// truth, soak, crash loops, fuzzing with 100k packets) run after the main
// suite, one file at a time, so they neither disturb nor are disturbed by it.
// (Not mergeConfig: it would append to the main suite's include list.)
export default defineConfig({
  resolve: base.resolve,
  test: {
    ...base.test,
    include: ['*/test/**/*.heavy.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
