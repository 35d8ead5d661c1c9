#!/usr/bin/env node
/** propwatch-aggregator: the aggregator command on the process's arguments (see run-cli.ts). */
import { runCommandAndExit } from '@propwatch/shared';
import { aggregatorCommand } from './run-cli.js';

await runCommandAndExit(aggregatorCommand);
