#!/usr/bin/env node
// The propwatch-aggregator bin: runs the built CLI (../dist/cli.js), or says how to build it.
// Committed so that npm links it at install time, before dist/ exists.
import { runBuiltCli } from '@propwatch/shared/run-built-cli';

await runBuiltCli('propwatch-aggregator', new URL('../dist/cli.js', import.meta.url));
