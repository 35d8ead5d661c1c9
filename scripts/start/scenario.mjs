// The demo's scenario: one POP stops receiving changes (the sim's admin API
// `stuck` fault), then recovers, so the alarm and the beacon turn on and off.
// Its clock starts when the status is first OK: on a loaded machine the probes
// can take many seconds to start, and a POP stuck before the first round
// would show no alarm cycle at all.
export function runStuckScenario({ sim, pop, settings, say, firstOk }) {
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
  void firstOk.then(() => setTimeout(stick, settings.stuckAtS * 1000).unref());
  function stick() {
    say(`scenario: ${pop} is now STUCK (receives no changes)`);
    void admin('PUT');
    setTimeout(() => {
      say(`scenario: ${pop} recovered`);
      void admin('DELETE');
    }, settings.stuckForS * 1000).unref();
  }
}
