/** The POPs an alarm is raised on, for the Prometheus alert and Alertmanager: one alert per POP. */
import type { StatusEvaluation } from './evaluate-status.js';
import type { PopBreach } from './pop-breaches.js';

/**
 * Every POP the quorum rule confirms over the threshold in force (the clear level while the alarm holds): at
 * `status.quorum` probes, or corroborated below it when fewer probes observe the POP (pop-quorum.ts), worst
 * first — the alarm's own POP (`alarmPop`, named in the reason) first. Empty unless the state is alarm: an
 * alarm outranks stale and degraded, so a confirmed POP always means the state is alarm.
 */
export function findAlarmPops(evaluation: Pick<StatusEvaluation, 'alarmBreaches'>): PopBreach[] {
  return evaluation.alarmBreaches;
}
