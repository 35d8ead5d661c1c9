/**
 * Toggles faults on random POPs of a running sim through its admin API:
 * every few seconds either clears a faulted POP or gives a healthy one a
 * fault (stuck, slow, flaky or down), keeping at most `maxFaulted` at once.
 * The last `calmTicks` of every `cycleTicks` ticks clear every fault, so the
 * aggregator's status cycles between alarm and ok instead of staying in alarm.
 */
export interface FaultTogglerOptions {
  adminUrl: string;
  adminToken: string;
  pops: string[];
  everyMs: number;
  maxFaulted: number;
  cycleTicks: number;
  calmTicks: number;
}

/** At time scale 0.05 a slow POP's 20 s become 1 s: enough to cross an alarm threshold of 0.9 s. */
const FAULTS = [
  { kind: 'stuck' },
  { kind: 'slow', extraMs: 20_000 },
  { kind: 'flaky', dropRate: 0.5 },
  { kind: 'down' },
] as const;

export function startFaultToggler(options: FaultTogglerOptions) {
  const faulted = new Map<string, string>();
  const counts = new Map<string, number>();
  let toggles = 0;
  let failures = 0;
  const admin = async (pop: string, body: object | null) => {
    const response = await fetch(`${options.adminUrl}/pops/${pop}/fault`, {
      method: body ? 'PUT' : 'DELETE',
      headers: {
        authorization: `Bearer ${options.adminToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`admin API: HTTP ${response.status} ${await response.text()}`);
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
  let tick = 0;
  const toggle = async () => {
    const calm = tick++ % options.cycleTicks >= options.cycleTicks - options.calmTicks;
    if (calm) {
      if (faulted.size === 0) return;
      await Promise.all(
        [...faulted.keys()].map((pop) =>
          admin(pop, null).then(
            () => faulted.delete(pop),
            () => (failures += 1),
          ),
        ),
      );
      counts.set('calm', (counts.get('calm') ?? 0) + 1);
      return;
    }
    const healthy = options.pops.filter((p) => !faulted.has(p));
    const clear = faulted.size >= options.maxFaulted || (faulted.size > 0 && Math.random() < 0.4);
    try {
      if (clear) {
        const pop = pick([...faulted.keys()]);
        await admin(pop, null);
        faulted.delete(pop);
        counts.set('clear', (counts.get('clear') ?? 0) + 1);
      } else {
        const pop = pick(healthy);
        const fault = pick(FAULTS);
        await admin(pop, fault);
        faulted.set(pop, fault.kind);
        counts.set(fault.kind, (counts.get(fault.kind) ?? 0) + 1);
      }
      toggles += 1;
    } catch {
      failures += 1;
    }
  };
  let chain = Promise.resolve();
  const timer = setInterval(() => {
    chain = chain.then(toggle);
  }, options.everyMs);
  return {
    toggles: () => toggles,
    failures: () => failures,
    byKind: () => Object.fromEntries(counts),
    /** Stops toggling and clears every fault. */
    async stop() {
      clearInterval(timer);
      await chain;
      await Promise.all([...faulted.keys()].map((pop) => admin(pop, null).catch(() => undefined)));
      faulted.clear();
    },
  };
}
