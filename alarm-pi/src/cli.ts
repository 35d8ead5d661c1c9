#!/usr/bin/env node
/** propwatch-alarm: the beacon client command on the process's arguments (see main.ts). */
import { runCommandAndExit } from '@propwatch/shared';
import { alarmCommand } from './main.js';

await runCommandAndExit(alarmCommand);
