/**
 * The four propwatch components as the deployment tests see them: the
 * package folder in `node <pkg>/dist/cli.js`, the config schema whose leaves
 * name the PROPWATCH_* variables, the real argument parser, and the real
 * config loader.
 */
import { EventEmitter } from 'node:events';
import {
  type CommandSpec,
  type FlagSpecs,
  envNameFor,
  leafPaths,
  type JsonSchema,
  parseCommandLine,
  runCommand,
} from '@propwatch/shared';
import { probeCommand } from '@propwatch/probe';
import { aggregatorCommand } from '@propwatch/aggregator';
import { alarmCommand } from '@propwatch/alarm-pi';
import { simCommand } from '@propwatch/sim';

export type ComponentName = 'sim' | 'probe' | 'aggregator' | 'alarm-pi';

export interface Component {
  schema: unknown;
  /** Resolves true when the component's own parser accepts these arguments. */
  acceptsArgs(args: string[]): Promise<boolean>;
  /** Loads the config as the process would: file, then env, then flags. Throws ConfigError. */
  load(file: string | undefined, env: Record<string, string>, args: string[]): Record<string, unknown>;
}

const silentIo = () => ({
  env: {},
  stdout: { write: () => true },
  stderr: { write: () => true },
  events: new EventEmitter(),
});

/** A component through its command spec: the same parser and loader its bin runs. */
function component<C, F extends FlagSpecs>(command: CommandSpec<C, F>): Component {
  return {
    schema: command.schema,
    // Appending --help makes every CLI validate its flags, then print help and exit 0, before any config is read.
    acceptsArgs: async (args) => (await runCommand(command, [...args, '--help'], silentIo())) === 0,
    load: (file, env, args) => {
      const parsed = parseCommandLine(args, command.flags);
      if (!parsed.ok) throw new Error(parsed.problem);
      return command.load({ file, env, flags: parsed.flags }).config;
    },
  };
}

export const COMPONENTS: Record<ComponentName, Component> = {
  sim: component(simCommand),
  probe: component(probeCommand),
  aggregator: component(aggregatorCommand),
  'alarm-pi': component(alarmCommand),
};

/** Every PROPWATCH_* name the component reads: one per schema leaf, plus PROPWATCH_CONFIG. */
export function envNamesOf(component: ComponentName): Set<string> {
  const names = leafPaths(COMPONENTS[component].schema as JsonSchema).map((leaf) => envNameFor(leaf.path));
  return new Set([...names, 'PROPWATCH_CONFIG']);
}

/** `node <pkg>/dist/cli.js …` → the component and its arguments. */
export function parseCommand(
  command: readonly string[] | undefined,
): { component: ComponentName; entry: string; args: string[] } | undefined {
  const match =
    command && command[0] === 'node' ? /^(sim|probe|aggregator|alarm-pi)\/dist\/cli\.js$/.exec(command[1] ?? '') : null;
  return match ? { component: match[1] as ComponentName, entry: command![1]!, args: command!.slice(2) } : undefined;
}
