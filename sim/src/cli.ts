#!/usr/bin/env node
/** propwatch-sim: the sim command on the process's arguments (see cli-command.ts). */
import { runCommandAndExit } from '@propwatch/shared';
import { simCommand } from './cli-command.js';

await runCommandAndExit(simCommand);
