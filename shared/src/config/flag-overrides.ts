/**
 * Command-line flags that set config keys (`--time-scale 0.1`, `--driver
 * console`): the last layer over file and environment. Their text is
 * converted to the key's type as an environment variable's is, and every
 * error names the flag, so a bad flag value is a config error like any other.
 */
import { convertText, setPath } from './env-overrides.js';
import { type JsonSchema, schemaAt, valueAt } from './schema-walk.js';

/** One flag's value for one config key. */
export interface FlagOverride {
  /** Dotted key path it sets: `timeScale`, `gpioset.chip`. */
  key: string;
  /** The flag as the user types it, for messages: `--time-scale`. */
  flag: string;
  /** Text as given (converted like an environment variable), or a value the command already typed. */
  value: unknown;
  /** For list keys: add to the list from file and environment instead of replacing it (`--fault`, repeatable). */
  append?: boolean;
}

export interface AppliedFlag {
  path: string[];
  flag: string;
  /** For an appended list: the items before this index came from file or environment. */
  firstIndex?: number;
}

/** Applies `flags` to `base` (a new object); returns what each flag set, for naming sources. */
export function applyFlagOverrides(
  schema: JsonSchema,
  base: Record<string, unknown>,
  flags: readonly FlagOverride[],
): { merged: Record<string, unknown>; applied: AppliedFlag[] } {
  const merged = structuredClone(base);
  const applied: AppliedFlag[] = [];
  for (const override of flags) {
    const path = override.key.split('.');
    const pointer = path.map((segment) => `/${segment}`).join('');
    const target = schemaAt(schema, pointer);
    // A flag wired to a key the schema lacks is a bug in the command, not a user error.
    if (!target) throw new Error(`flag ${override.flag} sets "${override.key}", which is not a config key`);
    const source = `command-line flag ${override.flag}`;
    const value =
      typeof override.value === 'string' ? convertText(override.value, target, override.key, source) : override.value;
    if (override.append) {
      const before = valueAt(merged, pointer);
      const list: readonly unknown[] = Array.isArray(before) ? (before as unknown[]) : [];
      const added: readonly unknown[] = Array.isArray(value) ? (value as unknown[]) : [value];
      setPath(merged, path, [...list, ...added]);
      applied.push({ path, flag: override.flag, firstIndex: list.length });
    } else {
      setPath(merged, path, value);
      applied.push({ path, flag: override.flag });
    }
  }
  return { merged, applied };
}

/** The flag that set the value at `path`, if one did. */
export function flagFor(applied: readonly AppliedFlag[], path: readonly string[]): string | undefined {
  for (const flag of [...applied].reverse()) {
    if (!flag.path.every((segment, i) => path[i] === segment)) continue;
    const index = path[flag.path.length];
    if (flag.firstIndex !== undefined && index !== undefined && Number(index) < flag.firstIndex) continue;
    return flag.flag;
  }
  return undefined;
}
