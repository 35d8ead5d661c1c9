/**
 * The command line every propwatch command shares: `--config`, `--print-config`,
 * `--help`, `--version` plus the command's own flags, parsed strictly (an
 * unknown flag or a stray argument is a usage error), and the help text
 * built around them in one layout.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PROPWATCH_VERSION } from '../version.js';

export type FlagSpecs = NonNullable<ParseArgsConfig['options']>;

/** The flags every command takes. */
export const COMMON_FLAGS = {
  config: { type: 'string', short: 'c' },
  'print-config': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies FlagSpecs;

type CommandLineConfig<F extends FlagSpecs> = {
  args: string[];
  options: typeof COMMON_FLAGS & F;
  strict: true;
  allowPositionals: false;
};

/** The parsed flags of a command: its own and the common ones. */
export type CommandFlags<F extends FlagSpecs> = ReturnType<typeof parseArgs<CommandLineConfig<F>>>['values'];

/** The common flags, read out of the parsed values. */
export interface CommonFlags {
  config: string | undefined;
  printConfig: boolean;
  help: boolean;
  version: boolean;
}

export type ParsedCommandLine<F extends FlagSpecs> =
  { ok: true; flags: CommandFlags<F>; common: CommonFlags } | { ok: false; problem: string };

/** Parses `argv`; a mistake is a result ("Unknown option '--bogus'"), not an exception. */
export function parseCommandLine<F extends FlagSpecs>(argv: readonly string[], flags: F): ParsedCommandLine<F> {
  const config: CommandLineConfig<F> = {
    args: [...argv],
    options: { ...COMMON_FLAGS, ...flags },
    strict: true,
    allowPositionals: false,
  };
  try {
    const flags = parseArgs(config).values;
    const values: Readonly<Record<string, unknown>> = flags;
    const common: CommonFlags = {
      config: typeof values.config === 'string' ? values.config : undefined,
      printConfig: values['print-config'] === true,
      help: values.help === true,
      version: values.version === true,
    };
    return { ok: true, flags, common };
  } catch (error) {
    // node:util's messages go on with advice about positionals that does not apply here: keep the first sentence.
    const message = error instanceof Error ? error.message : String(error);
    const [first = message] = message.split(/\.\s/);
    return { ok: false, problem: first.replace(/\.$/, '') };
  }
}

/** What `--help` prints. */
export interface HelpText {
  /** The command: `propwatch-probe`. */
  name: string;
  /** What it does, one sentence. */
  summary: string;
  /** Help lines of the command's own flags, in the layout of the common ones (flag column 22 wide). */
  flagLines: readonly string[];
  /** Text after the options: modes, exit codes, where to read more. */
  notes: string;
}

const COMMON_LINES = [
  '  -c, --config <file>   YAML config file (also PROPWATCH_CONFIG); PROPWATCH_* variables override it',
  '      --print-config    print the effective config (secrets masked) and exit',
  '  -h, --help            this text',
  '  -v, --version         print the version',
];

/** The help text, the same layout for every command. */
export function renderHelp(help: HelpText): string {
  return [
    `${help.name} ${PROPWATCH_VERSION}: ${help.summary}`,
    '',
    `Usage: ${help.name} [options]`,
    '',
    'Options:',
    ...help.flagLines,
    ...COMMON_LINES,
    '',
    help.notes.trimEnd(),
    '',
  ].join('\n');
}
