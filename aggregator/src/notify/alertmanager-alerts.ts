/**
 * What the aggregator's state looks like to Alertmanager (API v2
 * `POST /api/v2/alerts`): one `PropwatchAlarm` alert per POP the alarm is
 * raised on, `PropwatchStatusStale` / `PropwatchStatusDegraded` for those
 * states; none when ok. Alertmanager identifies an alert by its labels, so
 * these carry only what is the same on every replica and every resend
 * (alertname, pop, severity and the target's own labels): routing, grouping,
 * silences, inhibition and HA dedup then work as for Prometheus's alerts, whose
 * names and labels the deploy/ rules share.
 */
import type { Status } from '@propwatch/shared';
import type { PopBreach } from '../status/pop-breaches.js';
import { describeObservation } from '../status/reason.js';

/** A postable alert of Alertmanager's API v2. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** An alert the state calls for, before its times are set. */
export interface WantedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The state a sync starts from: the status and the POPs its alarm is raised on. */
export interface AlertSnapshot {
  status: Status;
  alarmPops: readonly PopBreach[];
}

/** Where each alert's runbook is: the same sections of deploy/README.md as the Prometheus rules'. */
export const RUNBOOK_BASE = 'https://github.com/propwatch/propwatch/blob/main/deploy/README.md';

/** Labels the target's own `labels` may not set: they say which alert it is. */
export const RESERVED_LABELS = ['alertname', 'pop', 'severity'] as const;

const runbook = (alertname: string) => `${RUNBOOK_BASE}#${alertname.toLowerCase()}`;

/** The alerts `snapshot` calls for, keyed by their labels (Alertmanager's identity of an alert). */
export function wantedAlerts(
  snapshot: AlertSnapshot,
  extraLabels: Readonly<Record<string, string>>,
): Map<string, WantedAlert> {
  const wanted = new Map<string, WantedAlert>();
  const add = (alert: WantedAlert) => {
    alert.labels = { ...extraLabels, ...alert.labels };
    wanted.set(labelKey(alert.labels), alert);
  };
  const { status } = snapshot;
  if (status.state === 'alarm') {
    for (const breach of snapshot.alarmPops)
      add({
        labels: { alertname: 'PropwatchAlarm', pop: breach.pop, severity: 'critical' },
        annotations: {
          summary: `propwatch alarm: POP ${breach.pop} is not serving new DNS changes in time`,
          description: describeObservation(breach.worst, breach.probes),
          probes: breach.probes.join(', '),
          runbook_url: runbook('PropwatchAlarm'),
        },
      });
  } else if (status.state === 'stale') {
    add({
      labels: { alertname: 'PropwatchStatusStale', severity: 'warning' },
      annotations: {
        summary: 'propwatch cannot tell whether propagation is fine (too few fresh probes)',
        description: status.reason,
        runbook_url: runbook('PropwatchStatusStale'),
      },
    });
  } else if (status.state === 'degraded') {
    add({
      labels: { alertname: 'PropwatchStatusDegraded', severity: 'warning' },
      annotations: {
        summary: 'propwatch probes cannot write their canary records',
        description: status.reason,
        runbook_url: runbook('PropwatchStatusDegraded'),
      },
    });
  }
  return wanted;
}

/** Labels in a canonical order, as one string. */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
