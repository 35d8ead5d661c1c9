import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of sibling packages, so a test
    // never sees a stale dist/ build.
    alias: {
      '@propwatch/shared': src('shared'),
      '@propwatch/dns': src('dns'),
      '@propwatch/sim': src('sim'),
      '@propwatch/probe': src('probe'),
      '@propwatch/aggregator': src('aggregator'),
      '@propwatch/alarm-pi': src('alarm-pi'),
    },
  },
  test: {
    include: ['*/src/**/*.test.ts', '*/test/**/*.test.ts', 'bench/**/*.test.ts', 'test-support/**/*.test.ts'],
    // Heavy suites (accuracy against ground truth, soak, crash loops, 100k-packet
    // fuzzing) run afterwards, one file at a time: see vitest.heavy.config.ts.
    exclude: ['**/node_modules/**', '**/dist/**', '**/*.heavy.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
