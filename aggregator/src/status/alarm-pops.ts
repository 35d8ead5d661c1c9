/** The POPs an alarm is raised on, for the Prometheus alert and Alertmanager: one alert per POP. */
import type { StatusEvaluation } from './evaluate-status.js';
import type { PopBreach } from './pop-breaches.js';

/**
 * Every POP that at least `quorum` probes see over the threshold in force (the clear level while the alarm
 * holds), worst first — the alarm's own POP (`alarmPop`, named in the reason) first. Empty unless the state is
 * alarm: an alarm outranks stale and degraded, so a POP at quorum always means the state is alarm.
 */
export function findAlarmPops(evaluation: Pick<StatusEvaluation, 'status' | 'breaches'>, quorum: number): PopBreach[] {
  if (evaluation.status.state !== 'alarm') return [];
  return evaluation.breaches.filter((breach) => breach.probes.length >= quorum);
}
