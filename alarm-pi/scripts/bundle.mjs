#!/usr/bin/env node
// One file for a Raspberry Pi without the workspace: propwatch-alarm with
// @propwatch/shared and every dependency inside (esbuild), written to
// dist/propwatch-alarm.mjs. Only onoff stays outside: it loads a native module
// (epoll) built for the Pi, and only the sysfs `gpio` driver needs it; the
// default driver on current kernels is gpioset, which needs Debian's gpiod.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const at = (path) => fileURLToPath(new URL(path, import.meta.url));
const outfile = process.argv[2] ?? at('../dist/propwatch-alarm.mjs');

await build({
  entryPoints: [at('../src/cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // The sources of shared, as the tests use them, so the bundle never carries a stale dist/.
  alias: { '@propwatch/shared': at('../../shared/src/index.ts') },
  external: ['onoff'],
  // CommonJS dependencies (pino, yaml) call require(); an ES module has none of its own.
  banner: {
    js: "import { createRequire as __propwatchRequire } from 'node:module';\nconst require = __propwatchRequire(import.meta.url);",
  },
  legalComments: 'eof',
  logLevel: 'warning',
});
console.log(outfile);
