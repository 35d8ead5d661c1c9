/**
 * Exponential backoff with "full jitter" (a delay uniform in [0, cap], cap
 * doubling per failure up to `maxMs`): many clients retrying one server that
 * just came back do not all retry at once. `random` is injected so tests are
 * exact.
 */
export function backoffDelayMs(
  failures: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  if (failures < 1) return 0;
  // 2 ** 30 already dwarfs any sensible max; capping the exponent avoids Infinity.
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.floor(random() * cap);
}
