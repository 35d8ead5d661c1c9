/**
 * Runs a package's built CLI from its committed bin shim (`sim/bin/propwatch-sim.js`, …).
 *
 * npm links a package's bins when it installs it, which on a fresh clone is
 * before `tsc -b` has written `dist/`. A bin pointing straight at
 * `dist/cli.js` is then skipped, `node_modules/.bin` has no `propwatch-*`, and
 * `npx propwatch-sim` asks the public registry for a package of that name —
 * which anyone could publish. The shims exist from the start; before a build
 * they say what to run instead of failing with a stack trace.
 *
 * Plain JavaScript on purpose: it must run before anything is compiled.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Imports `entry` (the package's `dist/cli.js`), which runs the CLI. When it
 * or a workspace package it needs is not built, prints how to build and sets
 * exit code 1.
 * @param {string} name the bin's name, e.g. `propwatch-sim`
 * @param {URL} entry the built CLI, e.g. `new URL('../dist/cli.js', import.meta.url)`
 * @returns {Promise<void>}
 */
export async function runBuiltCli(name, entry) {
  const hint = `${name} is not built yet: run \`npm run build\` (or \`npm start\` / \`npm test\`, which build first)`;
  if (!existsSync(fileURLToPath(entry))) {
    process.stderr.write(`${hint}\n`);
    process.exitCode = 1;
    return;
  }
  try {
    await import(entry.href);
  } catch (error) {
    // Built, but a workspace package it imports is not (say, after `npx tsc -b --clean shared`).
    const missing = /** @type {{ code?: unknown, message?: unknown }} */ (error ?? {});
    if (missing.code === 'ERR_MODULE_NOT_FOUND' && /[/\\]dist[/\\]/.test(String(missing.message))) {
      process.stderr.write(`${hint} (${String(missing.message)})\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
