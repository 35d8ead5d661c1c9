#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm packages when node_modules is
// missing or older than the lockfile, then builds every workspace (tsc -b is
// incremental, so this is quick when nothing changed). Only Node built-ins
// are used here, because nothing else is installed yet on a fresh clone.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (command, args) => {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`propwatch setup: "${command} ${args.join(' ')}" failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
};

const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
const needsInstall =
  !existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs);
if (needsInstall) {
  console.error(
    'propwatch setup: installing npm packages (first run; better-sqlite3 may compile for a few minutes)...',
  );
  run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}
run(join(root, 'node_modules', '.bin', 'tsc'), ['-b']);
