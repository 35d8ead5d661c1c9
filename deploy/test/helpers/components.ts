/**
 * The four propwatch components as the deployment tests see them: the
 * package folder in `node <pkg>/dist/cli.js`, the config schema whose leaves
 * name the PROPWATCH_* variables, the real argument parser, and the real
 * config loader.
 */
import { PassThrough } from 'node:stream';
import { envNameFor, leafPaths, loadConfig, type JsonSchema } from '@propwatch/shared';
import { ProbeConfig, loadProbeConfig } from '@propwatch/probe';
import { AggregatorConfigSchema, loadAggregatorConfig } from '@propwatch/aggregator';
import { AlarmPiConfigSchema, loadAlarmConfig, runMain as runAlarmMain } from '@propwatch/alarm-pi';
import { vi } from 'vitest';
import { main as runProbeMain } from '../../../probe/src/main.js';
import { runCli as runAggregatorCli } from '../../../aggregator/src/run-cli.js';
import { parseCliArgs as parseSimArgs } from '../../../sim/src/cli-args.js';
import { SimConfigSchema } from '../../../sim/src/config-schema.js';
import { flagValue } from './compose-file.js';

export type ComponentName = 'sim' | 'probe' | 'aggregator' | 'alarm-pi';

export interface Component {
  schema: unknown;
  /** Resolves true when the component's own parser accepts these arguments. */
  acceptsArgs(args: string[]): Promise<boolean>;
  /** Loads the config as the process would: file, then env, then flags. Throws ConfigError. */
  load(file: string | undefined, env: Record<string, string>, args: string[]): Record<string, unknown>;
}

const silentIo = () => ({ stdout: new PassThrough(), stderr: new PassThrough() });

/** Appending --help makes every CLI validate its flags, then print help and exit 0, before any config is read. */
async function exitCodeWithHelp(run: () => Promise<number>): Promise<number> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return await run();
  } catch {
    return -1;
  } finally {
    write.mockRestore();
  }
}

export const COMPONENTS: Record<ComponentName, Component> = {
  sim: {
    schema: SimConfigSchema,
    acceptsArgs: async (args) => {
      try {
        parseSimArgs(args);
        return true;
      } catch {
        return false;
      }
    },
    load: (file, env, args) => {
      const { config } = loadConfig(SimConfigSchema, { file, env });
      const { faults, ...flags } = parseSimArgs(args).overrides;
      return { ...config, ...flags, faults: [...config.faults, ...(faults ?? [])] };
    },
  },
  probe: {
    schema: ProbeConfig,
    acceptsArgs: async (args) => (await exitCodeWithHelp(() => runProbeMain([...args, '--help'], {}))) === 0,
    load: (file, env) => loadProbeConfig({ file, env }).config as Record<string, unknown>,
  },
  aggregator: {
    schema: AggregatorConfigSchema,
    acceptsArgs: async (args) => {
      const outcome = await runAggregatorCli([...args, '--help'], {
        env: {},
        stdout: () => undefined,
        stderr: () => undefined,
      });
      return 'exitCode' in outcome && outcome.exitCode === 0;
    },
    load: (file, env) => loadAggregatorConfig({ file, env }).config as Record<string, unknown>,
  },
  'alarm-pi': {
    schema: AlarmPiConfigSchema,
    acceptsArgs: async (args) => (await runAlarmMain([...args, '--help'], { env: {}, ...silentIo() })) === 0,
    load: (file, env, args) =>
      loadAlarmConfig({ file, env, driver: flagValue(args, '--driver', '-d') }).config as Record<string, unknown>,
  },
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
