// The demo's scenario: one POP stops receiving changes (the sim's admin API
// `stuck` fault), then recovers, so the alarm and the beacon turn on and off.
// Its clock starts when the status is first OK: on a loaded machine the probes
// can take many seconds to start, and a POP stuck before the first round
// would show no alarm cycle at all. Under anycast, `reroute` then moves one
// vantage's catchment (the sim's POST /admin/reroute) `rerouteAfterS` after
// the recovery: the probe reports the instance it left as rerouted, which is
// a loss of observation, never an alarm.
export function runStuckScenario({ sim, pop, settings, say, firstOk, reroute, aggregatorUrl }) {
  const admin = (method) =>
    fetch(`${sim.adminUrl}/pops/${pop}/fault`, {
      method,
      headers: {
        authorization: `Bearer ${sim.adminToken}`,
        ...(method === 'PUT' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'PUT' ? { body: JSON.stringify({ kind: 'stuck' }) } : {}),
    })
      .then((response) => {
        if (!response.ok) say(`scenario: the sim's admin API answered ${method} with HTTP ${response.status}`);
      })
      .catch((error) => say(`scenario: the sim's admin API failed: ${error.message}`));
  say(
    `scenario: ${pop} gets stuck ${settings.stuckAtS} s after the status is first OK ` +
      `and recovers ${settings.stuckForS} s later (--scenario none to disable)`,
  );
  if (reroute)
    say(
      `scenario: ${settings.rerouteAfterS} s after that, ${reroute.vantage}'s ${reroute.address} ` +
        `is rerouted from ${reroute.from} to ${reroute.to}`,
    );
  void firstOk.then(() => setTimeout(stick, settings.stuckAtS * 1000).unref());
  function stick() {
    say(`scenario: ${pop} is now STUCK (receives no changes)`);
    void admin('PUT');
    setTimeout(() => {
      say(`scenario: ${pop} recovered`);
      void admin('DELETE');
      if (reroute) setTimeout(() => void moveCatchment(), settings.rerouteAfterS * 1000).unref();
    }, settings.stuckForS * 1000).unref();
  }
  // Mid-round if it can: waits (at most two round intervals) for the probe in that vantage to report a round
  // still running, so the probe sees the catchment move under it; else reroutes between rounds and says so.
  async function moveCatchment() {
    const { vantage, address, from, to } = reroute;
    const until = Date.now() + settings.roundIntervalMs * 2;
    let when = 'between rounds';
    while (Date.now() < until) {
      const newest = await fetch(`${aggregatorUrl}/api/v1/rounds?probe=${encodeURIComponent(vantage)}&limit=1`)
        .then((r) => (r.ok ? r.json() : { rounds: [] }))
        .then(
          (answer) => answer.rounds[0],
          () => undefined,
        );
      if (newest?.state === 'running') {
        when = `mid-round (${newest.id} running)`;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    say(`scenario: REROUTE ${vantage}'s ${address} from ${from} to ${to} ${when} (a route change; no alarm expected)`);
    void fetch(`${sim.adminUrl}/reroute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sim.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ vantage, address, pop: to }),
    })
      .then((response) => {
        if (!response.ok) say(`scenario: the sim's admin API answered the reroute with HTTP ${response.status}`);
      })
      .catch((error) => say(`scenario: the sim's admin API failed: ${error.message}`));
  }
}
