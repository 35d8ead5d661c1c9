#!/usr/bin/env node
/** propwatch-probe: the probe command on the process's arguments (see main.ts). */
import { runCommandAndExit } from '@propwatch/shared';
import { probeCommand } from './main.js';

await runCommandAndExit(probeCommand);
