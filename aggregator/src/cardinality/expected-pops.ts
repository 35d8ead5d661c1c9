/**
 * The POPs an operator expects (config `expectedPops`): a report naming any
 * other POP is refused. Entries are POP codes, the same names probes report;
 * the anycast work keys POPs by the instance identity learnt from NSID and
 * maps it to these codes, and measures coverage against this same list (an
 * entry may then grow into `{code, nsid…}`, a bare code staying shorthand).
 */
export type ExpectedPops = ReadonlySet<string>;

export function expectedPops(codes: readonly string[] | undefined): ExpectedPops | null {
  return codes === undefined ? null : new Set(codes);
}

/** "the 14 POPs SJC, LAX, …" — a short description for error messages. */
export function describeExpected(expected: ExpectedPops, shown = 8): string {
  const codes = [...expected];
  const list = codes.slice(0, shown).join(', ');
  const more = codes.length > shown ? ', …' : '';
  return `the ${codes.length} expected POP${codes.length === 1 ? '' : 's'}: ${list}${more}`;
}
