#!/usr/bin/env node
// One file for a Raspberry Pi without the workspace: propwatch-alarm with
// @propwatch/shared and every dependency inside (esbuild), written to
// dist/propwatch-alarm.mjs. Only onoff stays outside: it loads a native module
// (epoll) built for the Pi, and only the sysfs `gpio` driver needs it; the
// default driver on current kernels is gpioset, which needs Debian's gpiod.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The bundle's first line: Node with the flags the daemon runs with. */
const BUNDLE_SHEBANG = '#!/usr/bin/env -S node --lite-mode --no-expose-wasm';

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
  // Whitespace and syntax only (names stay, so stack traces stay readable): the source is held in memory
  // as long as the process runs, ~0.4 MiB less resident (bench/README.md, footprint).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
// The daemon's V8 flags travel in the file's first line, so the systemd unit (which runs the file) gets them.
// --lite-mode: no optimising compiler, less memory kept for code; a beacon that polls once a second never runs
// hot code, and it saves ~5 MiB resident (bench/README.md, footprint). It turns WebAssembly off, so the global
// fetch (undici's parser is WebAssembly) cannot work here: the command uses http-fetch.ts. --no-expose-wasm says
// so to V8, which otherwise prints a warning line into the JSON log. `env -S` splits the line (coreutils 8.30+).
const text = readFileSync(outfile, 'utf8');
writeFileSync(outfile, `${BUNDLE_SHEBANG}\n${text.slice(text.startsWith('#!') ? text.indexOf('\n') + 1 : 0)}`);
console.log(outfile);
