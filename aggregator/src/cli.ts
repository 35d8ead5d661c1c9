#!/usr/bin/env node
/** propwatch-aggregator: runs the CLI and stops cleanly on SIGTERM/SIGINT (close fastify, timers, database). */
import { runCli } from './run-cli.js';

const outcome = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});

if ('exitCode' in outcome) {
  process.exitCode = outcome.exitCode;
} else {
  const { app, log } = outcome;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
