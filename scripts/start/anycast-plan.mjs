// The anycast demo's plan, read from the sim's ready line: one probe per
// vantage (bound to its source address), what each vantage's catchment is,
// the POPs no catchment reaches (blind spots), and the scripted reroute.
// Pure: start.mjs says it, the tests check it.

/** The vantages probes sit in: every one with a source address (the `default` vantage has none). */
export function probeVantages(sim, count) {
  return sim.vantages.filter((v) => v.sources.length > 0).slice(0, count);
}

/** POPs in no vantage's catchment, in the sim's order. */
export function blindSpots(sim, vantages) {
  const seen = new Set(vantages.flatMap((v) => Object.values(v.catchment)));
  return sim.pops.map((p) => p.name).filter((name) => !seen.has(name));
}

/** One line per vantage: `me-central 127.0.1.3  80 ms  ns1 → LHR  ns2 → AMS`. */
export function describeCatchments(vantages) {
  return vantages.map((v) => {
    const routes = Object.entries(v.catchment).map(([address, pop]) => `${address} → ${pop}`);
    return `${v.name.padEnd(10)} ${v.sources[0].padEnd(10)} ${String(v.rttMs).padStart(3)} ms  ${routes.join('  ')}`;
  });
}

/**
 * The reroute the scenario makes: the first vantage whose catchment does not
 * hold the stuck POP (so the reroute and the alarm are told apart) moves its
 * last anycast address to a blind spot if there is one (that POP becomes
 * seen), else to a POP it does not reach yet. Undefined when nothing fits.
 */
export function chooseReroute(vantages, blind, stuckPop, popNames) {
  const vantage = vantages.find((v) => !Object.values(v.catchment).includes(stuckPop));
  if (!vantage) return undefined;
  const address = Object.keys(vantage.catchment).at(-1);
  const reached = new Set(Object.values(vantage.catchment));
  const to = blind.find((p) => p !== stuckPop) ?? popNames.find((p) => p !== stuckPop && !reached.has(p));
  if (!address || !to) return undefined;
  return { vantage: vantage.name, address, from: vantage.catchment[address], to };
}
