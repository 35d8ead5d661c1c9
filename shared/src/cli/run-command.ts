/**
 * The one shape of every propwatch command (sim, probe, aggregator, beacon
 * client): the same flags, the same messages on the same streams, the same
 * exit codes and the same signal handling. A command supplies its flags, its
 * config loader and what it runs; this frame does the rest:
 *
 *   --help / --version          stdout, exit 0
 *   unknown flag, stray word    one line and the usage on stderr, exit 2
 *   typo'd PROPWATCH_* name     one warning line on stderr, in every mode
 *   no config at all            "no config: pass --config FILE or set PROPWATCH_CONFIG", exit 78
 *   bad config (ConfigError)    one line on stderr naming key, source, value, expectation, exit 78
 *   --print-config              the effective config, secrets masked, on stdout, exit 0
 *   run                         until done, or until SIGINT/SIGTERM aborts `stop`
 *
 * A command ends with one line and a chosen code by throwing a CommandError
 * (or a ConfigError, found while starting). An uncaught exception or an
 * unhandled rejection while it runs aborts `stop` too, so the command can
 * clean up (the beacon turns its light off), and the exit code is 1.
 */
import type { TSchema } from 'typebox';
import { ConfigError } from '../config/config-error.js';
import { type UnknownEnvName, describeUnknownEnv, findUnknownEnv } from '../config/env-overrides.js';
import type { LoadedConfig } from '../config/load-config.js';
import { maskSecrets } from '../config/mask-secrets.js';
import { jsonSchemaOf } from '../config/schema-walk.js';
import { PROPWATCH_VERSION } from '../version.js';
import { type CommandFlags, type FlagSpecs, type HelpText, parseCommandLine, renderHelp } from './command-line.js';
import { CommandError, EXIT_CONFIG, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { type ProcessEvents, type StopRequest, listenForStop } from './stop-signals.js';

/** Somewhere to write text: process.stdout, a test's collector. */
export interface TextOut {
  write(text: string): unknown;
}

export interface CommandIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout: TextOut;
  stderr: TextOut;
  /** Where SIGINT, SIGTERM and crash events come from: the process, or a test's emitter. */
  events: ProcessEvents;
}

export interface CommandSpec<C, F extends FlagSpecs> extends HelpText {
  /** The command's own flags (node:util parseArgs options); the common ones are added. */
  flags: F;
  /** Its config schema: `--print-config` masks its secrets; PROPWATCH_* names are checked against its keys. */
  schema: TSchema;
  /** False when the command runs on defaults alone (the sim); true makes a missing config an error. */
  needsConfig: boolean;
  /** Where the config keys are documented, for the no-config hint: `probe/README.md`. */
  readme: string;
  /** Loads and checks the config; throws ConfigError. */
  load(input: { file: string | undefined; env: CommandIo['env']; flags: CommandFlags<F> }): LoadedConfig<C>;
  /** Runs until done or until `stop` aborts; resolves with the exit code. */
  run(context: CommandContext<C, F>): Promise<number>;
  /** How long a stop may take after `stop` aborts before the frame gives up waiting with exit 1. Default 10 s. */
  stopTimeoutMs?: number;
}

export interface CommandContext<C, F extends FlagSpecs> {
  config: Readonly<C>;
  flags: CommandFlags<F>;
  io: CommandIo;
  /** Aborted by the first SIGINT/SIGTERM or by a crash; its `reason` is a StopRequest. */
  stop: AbortSignal;
  /** Where a key's value came from, for ConfigErrors of the checks a command makes while starting. */
  sourceOf: (key: string) => string;
  /** PROPWATCH_* variables that match no key (already reported on stderr), for the command's own log. */
  unknownEnv: readonly UnknownEnvName[];
}

export const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/** The process's streams, environment and events. */
export function processIo(): CommandIo {
  return { env: process.env, stdout: process.stdout, stderr: process.stderr, events: process };
}

/** Runs `spec` on `argv`; resolves with the exit code. Rejects only on a bug (an error that is not a command's). */
export async function runCommand<C, F extends FlagSpecs>(
  spec: CommandSpec<C, F>,
  argv: readonly string[],
  io: CommandIo = processIo(),
): Promise<number> {
  const say = (text: string) => io.stderr.write(`${spec.name}: ${text}\n`);
  const parsed = parseCommandLine(argv, spec.flags);
  if (!parsed.ok) {
    io.stderr.write(`${spec.name}: ${parsed.problem}\n\n${renderHelp(spec)}`);
    return EXIT_USAGE;
  }
  const { flags, common } = parsed;
  if (common.help) return (io.stdout.write(renderHelp(spec)), EXIT_OK);
  if (common.version) return (io.stdout.write(`${spec.name} ${PROPWATCH_VERSION}\n`), EXIT_OK);

  // Reported before loading, so a typo is named even when it is why the config is incomplete.
  const schema = jsonSchemaOf(spec.schema);
  const unknownEnv = findUnknownEnv(schema, io.env);
  for (const unknown of unknownEnv) say(`warning: ${describeUnknownEnv(unknown)}`);
  const file = common.config ?? io.env.PROPWATCH_CONFIG;
  const unknownNames = new Set(unknownEnv.map((unknown) => unknown.name));
  const keyVariables = Object.keys(io.env).filter(
    (name) => name.startsWith('PROPWATCH_') && name !== 'PROPWATCH_CONFIG' && !unknownNames.has(name),
  );
  if (spec.needsConfig && file === undefined && keyVariables.length === 0) {
    say(
      'no config: pass --config FILE or set PROPWATCH_CONFIG ' +
        `(every key can also be set as a PROPWATCH_* variable; see ${spec.readme})`,
    );
    return EXIT_CONFIG;
  }
  let loaded: LoadedConfig<C>;
  try {
    loaded = spec.load({ file, env: io.env, flags });
  } catch (error) {
    if (error instanceof CommandError) return (say(error.message), error.exitCode);
    if (!(error instanceof ConfigError)) throw error;
    say(error.message);
    return EXIT_CONFIG;
  }
  if (common.printConfig) {
    io.stdout.write(`${JSON.stringify(maskSecrets(spec.schema, loaded.config), null, 2)}\n`);
    return EXIT_OK;
  }
  return runUntilStopped(spec, { config: loaded.config, flags, io, unknownEnv, sourceOf: loaded.sourceOf }, say);
}

async function runUntilStopped<C, F extends FlagSpecs>(
  spec: CommandSpec<C, F>,
  context: Omit<CommandContext<C, F>, 'stop'>,
  say: (text: string) => void,
): Promise<number> {
  const stopping = listenForStop(context.io.events);
  const timeoutMs = spec.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const gaveUp = new Promise<number>((resolve) => {
    stopping.onStop(() => {
      const timer = setTimeout(() => {
        say(`did not stop within ${timeoutMs / 1000} s after ${describeStop(stopping.request())}; exiting anyway`);
        resolve(EXIT_FAILURE);
      }, timeoutMs);
      timer.unref?.();
      stopping.onDispose(() => clearTimeout(timer));
    });
  });
  try {
    const code = await Promise.race([spec.run({ ...context, stop: stopping.signal }), gaveUp]);
    const request = stopping.request();
    if (request?.error !== undefined) {
      say(`stopped after ${describeStop(request)}: ${stackOf(request.error)}`);
      return EXIT_FAILURE;
    }
    return code;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof CommandError) {
      say(error.message);
      return error instanceof CommandError ? error.exitCode : EXIT_CONFIG;
    }
    throw error;
  } finally {
    stopping.dispose();
  }
}

function describeStop(request: StopRequest | undefined): string {
  return request?.why ?? 'a stop request';
}

function stackOf(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * What a bin runs: the command on the process's arguments, then the exit
 * code. A bug (an error no command throws on purpose) prints its stack and
 * exits 1. Whatever a dependency leaves open (a socket, a timer), a finished
 * command does not linger: the process exits at the latest 2 s later.
 */
export async function runCommandAndExit<C, F extends FlagSpecs>(spec: CommandSpec<C, F>): Promise<void> {
  let code: number;
  try {
    code = await runCommand(spec, process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${spec.name}: ${stackOf(error)}\n`);
    code = EXIT_FAILURE;
  }
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2_000).unref();
}
