/** The command frame in-process: a small command with a config, driven through every case of the one CLI shape. */
import { EventEmitter } from 'node:events';
import Type from 'typebox';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import { PROPWATCH_VERSION } from '../version.js';
import { CommandError, EXIT_CONFIG, EXIT_UNAVAILABLE, EXIT_USAGE } from './exit-codes.js';
import { type CommandContext, type CommandSpec, runCommand } from './run-command.js';
import type { StopRequest } from './stop-signals.js';

const Schema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://' }),
    token: Type.Optional(Type.String({ minLength: 4, secret: true })),
    round: Type.Object({ intervalMs: Type.Integer({ minimum: 1, default: 1000 }) }, { default: {} }),
  },
  { additionalProperties: false },
);
type Config = { url: string; token?: string; round: { intervalMs: number } };

const FLAGS = { once: { type: 'boolean' }, interval: { type: 'string' } } as const;

function command(
  run: (context: CommandContext<Config, typeof FLAGS>) => Promise<number> = async () => 0,
  extra: Partial<CommandSpec<Config, typeof FLAGS>> = {},
): CommandSpec<Config, typeof FLAGS> {
  return {
    name: 'propwatch-test',
    summary: 'a command for tests.',
    flagLines: ['      --once            run once'],
    notes: 'Exit codes: 0 done.',
    flags: FLAGS,
    schema: Schema,
    needsConfig: true,
    readme: 'test/README.md',
    load: ({ file, env, flags }) =>
      loadConfig(Schema, {
        file,
        env,
        flags:
          flags.interval === undefined ? [] : [{ key: 'round.intervalMs', flag: '--interval', value: flags.interval }],
      }),
    run,
    ...extra,
  };
}

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const events = new EventEmitter();
  return {
    io: { env, stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, events },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    events,
  };
}

const CONFIGURED = { PROPWATCH_URL: 'http://aggregator:8080', PROPWATCH_TOKEN: 'tok-secret-1' };

afterEach(() => vi.useRealTimers());

describe('the command frame', () => {
  it('--help prints the usage with the common flags on stdout', async () => {
    const t = io();
    expect(await runCommand(command(), ['--help'], t.io)).toBe(0);
    expect(t.stdout()).toContain(`propwatch-test ${PROPWATCH_VERSION}: a command for tests.`);
    expect(t.stdout()).toMatch(
      /--once +run once\n +-c, --config <file>.*\n +--print-config.*\n.*--help.*\n.*--version/,
    );
    expect(t.stderr()).toBe('');
  });

  it('--version prints the name and version', async () => {
    const t = io();
    expect(await runCommand(command(), ['-v'], t.io)).toBe(0);
    expect(t.stdout()).toBe(`propwatch-test ${PROPWATCH_VERSION}\n`);
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['stray'], "Unexpected argument 'stray'"],
    [['--config'], "Option '-c, --config <value>' argument missing"],
  ])('%j is a usage error: one line, the usage, exit 2, no stack', async (argv, problem) => {
    const t = io(CONFIGURED);
    expect(await runCommand(command(), argv, t.io)).toBe(EXIT_USAGE);
    expect(t.stderr()).toMatch(
      new RegExp(`^propwatch-test: ${problem.replace(/[()[\]<>*-]/g, '\\$&')}\n\npropwatch-test `),
    );
    expect(t.stderr()).not.toMatch(/\n +at /);
  });

  it('without any config says how to give one, exit 78', async () => {
    const t = io();
    expect(await runCommand(command(), [], t.io)).toBe(EXIT_CONFIG);
    expect(t.stderr()).toBe(
      'propwatch-test: no config: pass --config FILE or set PROPWATCH_CONFIG (every key can also be set as a PROPWATCH_* variable; see test/README.md)\n',
    );
  });

  it('a missing key says "is missing", in one line, exit 78', async () => {
    const t = io({ PROPWATCH_TOKEN: 'tok-secret-1' });
    expect(await runCommand(command(), [], t.io)).toBe(EXIT_CONFIG);
    expect(t.stderr()).toBe(
      'propwatch-test: config key "url" (environment variable PROPWATCH_URL) is missing: expected a string matching ^https?://\n',
    );
  });

  it('a bad flag value is a config error naming the flag', async () => {
    const t = io(CONFIGURED);
    expect(await runCommand(command(), ['--interval', 'soon'], t.io)).toBe(EXIT_CONFIG);
    expect(t.stderr()).toBe(
      'propwatch-test: config key "round.intervalMs" (command-line flag --interval) has value "soon": expected an integer >= 1\n',
    );
  });

  it('reports a typo in every mode: with --print-config, with a bad config, when running', async () => {
    const typo = { ...CONFIGURED, PROPWATCH_ROUND_INTERVAL_MS: '5' };
    const warning =
      'propwatch-test: warning: environment variable PROPWATCH_ROUND_INTERVAL_MS matches no config key and is ignored (did you mean PROPWATCH_ROUND__INTERVAL_MS?)\n';
    const printing = io(typo);
    expect(await runCommand(command(), ['--print-config'], printing.io)).toBe(0);
    expect(printing.stderr()).toBe(warning);
    const failing = io({ ...typo, PROPWATCH_URL: 'ftp://x' });
    expect(await runCommand(command(), [], failing.io)).toBe(EXIT_CONFIG);
    expect(failing.stderr()).toMatch(
      new RegExp(`^${warning.replace(/[().?*]/g, '\\$&')}propwatch-test: config key "url"`),
    );
    const running = io(typo);
    let seen: readonly unknown[] = [];
    expect(
      await runCommand(
        command(async (c) => ((seen = c.unknownEnv), 0)),
        ['--once'],
        running.io,
      ),
    ).toBe(0);
    expect(running.stderr()).toBe(warning);
    expect(seen).toEqual([{ name: 'PROPWATCH_ROUND_INTERVAL_MS', suggestion: 'PROPWATCH_ROUND__INTERVAL_MS' }]);
  });

  it('a config made only of typos is no config', async () => {
    const t = io({ PROPWATCH_URLL: 'http://x' });
    expect(await runCommand(command(), [], t.io)).toBe(EXIT_CONFIG);
    expect(t.stderr()).toMatch(/did you mean PROPWATCH_URL\?\)\npropwatch-test: no config: /);
  });

  it('--print-config prints the effective config with secrets masked', async () => {
    const t = io(CONFIGURED);
    expect(await runCommand(command(), ['--print-config', '--interval', '250'], t.io)).toBe(0);
    expect(JSON.parse(t.stdout())).toEqual({ url: 'http://aggregator:8080', token: '***', round: { intervalMs: 250 } });
    expect(t.stdout()).not.toContain('tok-secret-1');
  });

  it('runs with the config and flags, and returns the exit code of the run', async () => {
    const t = io(CONFIGURED);
    const code = await runCommand(
      command(async ({ config, flags }) => (config.round.intervalMs === 1000 && flags.once === true ? 3 : 4)),
      ['--once'],
      t.io,
    );
    expect(code).toBe(3);
  });

  it.each(['SIGTERM', 'SIGINT'])('%s aborts stop; the command cleans up and its exit code stands', async (signal) => {
    const t = io(CONFIGURED);
    let reason: StopRequest | undefined;
    const running = runCommand(
      command(async ({ stop }) => {
        await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
        reason = stop.reason as StopRequest;
        return 0;
      }),
      [],
      t.io,
    );
    await vi.waitFor(() => expect(t.events.listenerCount(signal)).toBe(1));
    t.events.emit(signal);
    t.events.emit('SIGTERM'); // a second signal does not cut the clean stop short
    expect(await running).toBe(0);
    expect(reason).toEqual({ why: signal });
    // Every listener is removed again.
    expect(t.events.eventNames()).toEqual([]);
  });

  it('a crash while running stops the command the same way, then exits 1 with the stack', async () => {
    const t = io(CONFIGURED);
    let cleanedUp = false;
    const running = runCommand(
      command(async ({ stop }) => {
        await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
        cleanedUp = true;
        return 0;
      }),
      [],
      t.io,
    );
    await vi.waitFor(() => expect(t.events.listenerCount('uncaughtException')).toBe(1));
    t.events.emit('uncaughtException', new Error('boom in a callback'));
    expect(await running).toBe(1);
    expect(cleanedUp).toBe(true);
    expect(t.stderr()).toMatch(/^propwatch-test: stopped after uncaught exception: Error: boom in a callback\n +at /);
  });

  it('a stop that hangs ends after the stop timeout with exit 1', async () => {
    vi.useFakeTimers();
    const t = io(CONFIGURED);
    const running = runCommand(
      command(() => new Promise<number>(() => {}), { stopTimeoutMs: 5000 }),
      [],
      t.io,
    );
    await vi.waitFor(() => expect(t.events.listenerCount('SIGTERM')).toBe(1));
    t.events.emit('SIGTERM');
    await vi.advanceTimersByTimeAsync(4999);
    expect(t.stderr()).toBe('');
    await vi.advanceTimersByTimeAsync(1);
    expect(await running).toBe(1);
    expect(t.stderr()).toBe('propwatch-test: did not stop within 5 s after SIGTERM; exiting anyway\n');
  });

  it('a CommandError ends with its line and code; a ConfigError found while starting with 78', async () => {
    const unavailable = io(CONFIGURED);
    const run = async () => {
      throw new CommandError('no GPIO here: use --driver console', EXIT_UNAVAILABLE);
    };
    expect(await runCommand(command(run), [], unavailable.io)).toBe(EXIT_UNAVAILABLE);
    expect(unavailable.stderr()).toBe('propwatch-test: no GPIO here: use --driver console\n');
    const badDir = io(CONFIGURED);
    const missingDir = async () => {
      throw new ConfigError('storage.path', '/nope/a.db', 'a file in an existing directory', 'file a.yaml');
    };
    expect(await runCommand(command(missingDir), [], badDir.io)).toBe(EXIT_CONFIG);
    expect(badDir.stderr()).toBe(
      'propwatch-test: config key "storage.path" (file a.yaml) has value "/nope/a.db": expected a file in an existing directory\n',
    );
  });

  it('a bug is not swallowed', async () => {
    const t = io(CONFIGURED);
    const buggy = async () => {
      throw new TypeError('undefined is not a function');
    };
    await expect(runCommand(command(buggy), [], t.io)).rejects.toThrow(TypeError);
    expect(t.events.eventNames()).toEqual([]);
  });
});
