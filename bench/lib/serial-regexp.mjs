/**
 * A bounded RE2 pattern matching "serial=N" for every decimal N >= `serial`,
 * for blackbox_exporter's `fail_if_none_matches_regexp` (Go RE2: no
 * lookaround, no numeric comparison). For an L-digit serial s it lists: s
 * itself; for each digit position i where s[i] < 9, s's first i digits, a
 * larger digit, then any L-i-1 digits; and any number of more than L digits
 * without a leading zero. At most L+2 alternatives, so the module stays small
 * and matching stays linear. "≥" matters: a POP may skip straight to a later
 * write, which still means the change arrived.
 */
export function serialAtLeastPattern(serial) {
  const s = String(serial);
  if (!/^(0|[1-9][0-9]*)$/.test(s))
    throw new Error(`serial must be a decimal without leading zeros, got ${JSON.stringify(s)}`);
  const alternatives = [s];
  for (let i = 0; i < s.length; i++) {
    const digit = Number(s[i]);
    if (digit === 9) continue;
    const rest = s.length - i - 1;
    alternatives.push(`${s.slice(0, i)}[${digit + 1}-9]${rest ? `[0-9]{${rest}}` : ''}`);
  }
  alternatives.push(`[1-9][0-9]{${s.length},}`);
  return `serial=(?:${alternatives.join('|')})(?:[^0-9]|$)`;
}
