/**
 * Per-POP faults. `slow` and `stuck` act on propagation, `down` and `flaky`
 * on answering. Parsed from `LHR=slow:800`, `SIN=stuck`, `NRT=down`,
 * `SYD=flaky:0.3` on the command line, or given as objects.
 */
export type PopFault =
  | { kind: 'slow'; /** Extra delay (ms, scaled by timeScale) added to each change's arrival. */ extraMs: number }
  | { kind: 'stuck' }
  | { kind: 'down' }
  | { kind: 'flaky'; /** Fraction 0..1 of queries dropped. */ dropRate: number };

export const FAULT_KINDS = ['slow', 'stuck', 'down', 'flaky'] as const;

/** Validates a fault object (from JSON or options); throws a readable error. */
export function validateFault(value: unknown, where = 'fault'): PopFault {
  if (typeof value !== 'object' || value === null)
    throw new Error(`${where}: expected an object such as {"kind":"slow","extraMs":500}, got ${JSON.stringify(value)}`);
  const fault = value as Record<string, unknown>;
  switch (fault.kind) {
    case 'stuck':
    case 'down':
      return { kind: fault.kind };
    case 'slow': {
      const extraMs = fault.extraMs ?? 1000;
      if (typeof extraMs !== 'number' || !(extraMs >= 0) || extraMs > 3_600_000)
        throw new Error(
          `${where}: slow.extraMs must be a number of ms from 0 to 3600000, got ${JSON.stringify(extraMs)}`,
        );
      return { kind: 'slow', extraMs };
    }
    case 'flaky': {
      const dropRate = fault.dropRate ?? 0.5;
      if (typeof dropRate !== 'number' || !(dropRate >= 0 && dropRate <= 1))
        throw new Error(`${where}: flaky.dropRate must be a fraction from 0 to 1, got ${JSON.stringify(dropRate)}`);
      return { kind: 'flaky', dropRate };
    }
    default:
      throw new Error(`${where}: kind must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(fault.kind)}`);
  }
}

/** Parses `POP=kind[:param]`, e.g. `LHR=slow:800` or `SYD=flaky:0.25`. */
export function parseFaultArg(text: string): { pop: string; fault: PopFault } {
  const match = /^([A-Za-z0-9-]+)=(slow|stuck|down|flaky)(?::([0-9.]+))?$/.exec(text.trim());
  if (!match)
    throw new Error(
      `--fault ${JSON.stringify(text)}: expected POP=slow[:ms] | POP=stuck | POP=down | POP=flaky[:fraction]`,
    );
  const [, pop, kind, param] = match;
  const number = param === undefined ? undefined : Number(param);
  const fault = validateFault(
    kind === 'slow' ? { kind, extraMs: number } : kind === 'flaky' ? { kind, dropRate: number } : { kind },
    `--fault ${text}`,
  );
  return { pop: pop!.toUpperCase(), fault };
}
