/** Parses `600000`, `90s`, `10m`, `1h`, `2d`, `250ms` into milliseconds; null if it is none of those. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(text: string): number | null {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  return Number.isFinite(ms) ? ms : null;
}
