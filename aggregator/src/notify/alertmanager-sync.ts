/**
 * Keeps an Alertmanager in step with the aggregator's state, as Prometheus
 * does with its rules: every wanted alert is (re)sent as firing with an
 * `endsAt` a few resend periods ahead, so it stays active while it is re-sent
 * and resolves on its own if the aggregator stops sending (crash, network
 * cut: PropwatchAggregatorDown says which); an alert no longer wanted is sent
 * once with `endsAt` = now, which resolves it at once. Without `endsAt`
 * Alertmanager would resolve a firing alert after its `resolve_timeout`
 * (5 minutes by default) however long the alarm lasts.
 */
import { type AlertSnapshot, type PostableAlert, type WantedAlert, wantedAlerts } from './alertmanager-alerts.js';

export interface AlertmanagerSyncOptions {
  /** Link of every alert: the dashboard. */
  generatorURL: string;
  /** How far ahead a firing alert's endsAt is: a few resend periods, so one lost resend does not resolve it. */
  validForMs: number;
  /** The target's own labels, added to every alert. */
  labels: Readonly<Record<string, string>>;
}

export class AlertmanagerSync {
  readonly #firing = new Map<string, WantedAlert & { startsAt: string }>();

  constructor(private readonly options: AlertmanagerSyncOptions) {}

  /** How many alerts are firing as last sent. */
  get firing(): number {
    return this.#firing.size;
  }

  /**
   * The alerts to post for `snapshot` at `now`: each wanted one firing (startsAt kept from the first sync that
   * wanted it) and each one firing before and no longer wanted, resolved at `now`. Empty when nothing fires or
   * resolves.
   */
  sync(snapshot: AlertSnapshot, now: number): PostableAlert[] {
    const { generatorURL, validForMs, labels } = this.options;
    const at = new Date(now).toISOString();
    const wanted = wantedAlerts(snapshot, labels);
    const posts: PostableAlert[] = [];
    for (const [key, alert] of this.#firing) {
      if (wanted.has(key)) continue;
      posts.push({ ...alert, endsAt: at, generatorURL });
      this.#firing.delete(key);
    }
    const until = new Date(now + validForMs).toISOString();
    for (const [key, alert] of wanted) {
      const startsAt = this.#firing.get(key)?.startsAt ?? at;
      this.#firing.set(key, { ...alert, startsAt });
      posts.push({ labels: alert.labels, annotations: alert.annotations, startsAt, endsAt: until, generatorURL });
    }
    return posts;
  }
}
