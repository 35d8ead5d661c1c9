// The demo's scenario: one POP stops receiving changes (the sim's admin API
// `stuck` fault), then recovers, so the alarm and the beacon turn on and off.
// Its clock starts when the status is first OK: on a loaded machine the probes
// can take many seconds to start, and a POP stuck before the first round
// would show no alarm cycle at all. Under anycast, `reroute` then moves one
// vantage's catchment (the sim's POST /admin/reroute) `rerouteAfterS` after
// the recovery: the probe reports the instance it left as rerouted, which is
// a loss of observation, never an alarm.
export function runStuckScenario({ sim, pop, settings, say, firstOk, reroute }) {
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
      if (reroute) setTimeout(moveCatchment, settings.rerouteAfterS * 1000).unref();
    }, settings.stuckForS * 1000).unref();
  }
  function moveCatchment() {
    const { vantage, address, from, to } = reroute;
    say(`scenario: REROUTE ${vantage}'s ${address} from ${from} to ${to} (a route change; no alarm expected)`);
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
