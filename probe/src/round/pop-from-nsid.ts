/**
 * Names the POP behind an anycast answer from the answering instance's NSID
 * (or CHAOS `id.server`): an exact table entry first, then a regex with a
 * named group `pop`, else the NSID itself. Whatever comes out is a wire
 * identifier (letters, digits, `_ . -`, at most 63 characters): one result
 * that failed the pattern would get the whole round refused by the
 * aggregator, and the text comes from the network.
 */
import { fitIdentifier } from '../querier/target-names.js';

export interface PopFromNsidConfig {
  /** A regex with a named group `pop`, e.g. `^(?<pop>[a-z]{3})[0-9]*\.`. */
  pattern?: string | undefined;
  /** Exact NSID → POP, checked before the pattern. */
  table?: Readonly<Record<string, string>> | undefined;
  /** Upper-case what the pattern's group captured (`lhr` → `LHR`). */
  uppercase?: boolean | undefined;
}

/** Maps a rendered NSID (text, or hex when not printable) to the POP it names. */
export type PopFromNsid = (nsid: string) => string;

/** The regex of `pattern`, or why it cannot be one (not a regex, no group `pop`). */
export function compilePopPattern(pattern: string): RegExp | string {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    return `a regular expression (${(error as Error).message})`;
  }
  // An alternative that matches the empty string makes exec() list every named group of the pattern.
  const groups = new RegExp(`(?:${pattern})|`).exec('')?.groups;
  if (!groups || !('pop' in groups)) return 'a regular expression with a named group (?<pop>...)';
  return regex;
}

/**
 * Builds the mapping. Unmapped NSIDs (no table entry, no match, an empty
 * group) are reported as themselves, made to fit the identifier pattern the
 * way discovered target names are (characters outside it become `-`; a name
 * that had to change, or is longer than 59 characters, gets 8 hex digits of
 * its SHA-256, so two NSIDs that differ only in such characters stay two POPs).
 */
export function createPopFromNsid(config: PopFromNsidConfig = {}): PopFromNsid {
  const table = new Map(Object.entries(config.table ?? {}));
  const compiled = config.pattern === undefined ? undefined : compilePopPattern(config.pattern);
  if (typeof compiled === 'string') throw new Error(`popFromNsid.pattern: expected ${compiled}`);
  const uppercase = config.uppercase ?? true;
  return (nsid) => {
    const listed = table.get(nsid);
    if (listed !== undefined) return fitIdentifier(listed);
    const captured = compiled?.exec(nsid)?.groups?.pop;
    if (captured) return fitIdentifier(uppercase ? captured.toUpperCase() : captured);
    return fitIdentifier(nsid);
  };
}
