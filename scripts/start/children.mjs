// The demo's processes: started from the built bins' dist/cli.js, their output
// in one log file each, stopped in reverse order. Every command writes its
// one-line errors and warnings (a port in use, a bad config, a typo'd
// PROPWATCH_* name) on stderr as plain text and its JSON log elsewhere or as
// JSON lines: the plain lines are the ones a person must see, so they are
// shown on the terminal as they come, and an unexpected exit adds what to do.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Plain stderr lines shown per child; the rest are in its log (a crash's stack can be long). */
const MAX_SHOWN_LINES = 20;
const STOP_WAIT_MS = 5000;

export function createChildren({ root, logDir, say }) {
  const children = [];
  let stopping = false;
  let onUnexpectedExit = () => {};

  /**
   * Starts `script` as `name`: `onLine` sees its stdout lines; `hint` is said
   * when it exits while the demo is running (what the operator can change).
   */
  function start(name, script, args, { onLine, env = {}, hint } = {}) {
    const logFile = join(logDir, `${name}.log`);
    const child = spawn(process.execPath, [join(root, script), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(logFile, { flags: 'a' });
    let shown = 0;
    createInterface({ input: child.stderr }).on('line', (line) => {
      log.write(`${line}\n`);
      if (line.startsWith('{') || line.trim() === '') return; // a JSON log line: the log file has it
      if (shown++ < MAX_SHOWN_LINES) say(`${name.padEnd(7)} ${line}`);
      else if (shown === MAX_SHOWN_LINES + 1) say(`${name.padEnd(7)} … (more in ${logFile})`);
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`${line}\n`);
      onLine?.(line);
    });
    // 'close', not 'exit': by then every line it wrote has been read and shown.
    child.once('close', (code, signal) => {
      if (stopping) return;
      say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); its log: ${logFile}`);
      if (hint) say(`hint: ${hint}`);
      onUnexpectedExit(name);
    });
    children.push({ name, child });
    return child;
  }

  /** Stops every child, the last started first (the beacon turns its light off, the sim goes last). */
  async function stopAll() {
    stopping = true;
    for (const { name, child } of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', () => resolve(true)));
      child.kill('SIGTERM');
      let timer;
      const gaveUp = new Promise((resolve) => (timer = setTimeout(() => resolve(false), STOP_WAIT_MS)));
      const stopped = await Promise.race([exited, gaveUp]);
      clearTimeout(timer);
      if (!stopped) {
        say(`${name} did not stop within ${STOP_WAIT_MS / 1000} s; killing it`);
        child.kill('SIGKILL');
      }
    }
  }

  return {
    start,
    stopAll,
    get stopping() {
      return stopping;
    },
    onUnexpectedExit(handler) {
      onUnexpectedExit = handler;
    },
  };
}
