/**
 * A moment on both clocks: `monotonicMs` (performance.now(), sub-ms, this
 * process only) and `epochMs` (timeOrigin + now: wall-clock epoch ms with
 * sub-ms precision, comparable across processes on the same machine because
 * every process derives it from the same system clock at its own start).
 */
export interface Moment {
  monotonicMs: number;
  epochMs: number;
}

export type Clock = () => Moment;

export const systemClock: Clock = () => {
  const monotonicMs = performance.now();
  return { monotonicMs, epochMs: performance.timeOrigin + monotonicMs };
};
