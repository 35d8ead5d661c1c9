#!/usr/bin/env node
import { runMain } from './main.js';

runMain(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`propwatch-alarm: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
