/**
 * Decides each status transition once, however many replicas evaluate the status. The tracker evaluates
 * locally (status-tracker.ts); when its state differs from the decided one (the store's versioned status row),
 * the committer commits the transition in one store transaction: the status row (if its version is still the
 * one this replica last saw), the alarm history line and one outbox row per webhook target, all carrying the
 * transition's id. A replica that loses the race, or hears of a peer's commit (replicas/peer-feed.ts), adopts
 * the stored status (state, since, reason) instead of announcing its own. A failed commit (database down) is
 * tried again on the next offer: the status plugin offers after every evaluation tick.
 */
import type { Status } from '@propwatch/shared';
import { transitionId, type Transition } from '../notify/transition.js';
import type { StateChangeRecord } from '../storage/state-change-log.js';
import type { OutboxDelivery, StatusRow, TransitionStore } from '../storage/transition-store.js';
import { findAlarmPops } from './alarm-pops.js';
import type { StatusTracker } from './status-tracker.js';

type LogFn = (fields: object, message: string) => void;

export interface TransitionCommitterOptions {
  store: Pick<TransitionStore, 'commitTransition'>;
  tracker: StatusTracker;
  /** The decided status when this replica started (the store's status row). */
  row: StatusRow;
  /** Wall clock shared by the replicas (ms): when the outbox rows become due. */
  scheduleNow: () => number;
  log: { warn: LogFn; error: LogFn };
}

/** The alarm history line of a transition. */
function historyLine(status: Status, previous: Status): StateChangeRecord {
  return {
    at: Date.parse(status.updatedAt),
    state: status.state,
    previous: previous.state,
    reason: status.reason,
    pop: status.worst?.pop ?? null,
    worstMs: status.worstMs,
  };
}

export class TransitionCommitter {
  #row: StatusRow;
  #running: Promise<void> | null = null;
  #again = false;
  readonly #planners: ((transition: Transition) => OutboxDelivery[])[] = [];
  readonly #committed: ((transition: Transition) => void)[] = [];
  readonly #adopted: ((row: StatusRow) => void)[] = [];

  constructor(private readonly options: TransitionCommitterOptions) {
    this.#row = options.row;
  }

  /** The decided status as this replica last saw it. */
  get row(): StatusRow {
    return this.#row;
  }

  /** Adds the outbox rows `plan` wants for each transition (notify-plugin: one per webhook target). */
  plan(plan: (transition: Transition) => OutboxDelivery[]): void {
    this.#planners.push(plan);
  }

  /** Called after this replica committed a transition (its outbox rows are in the store). */
  onCommitted(listener: (transition: Transition) => void): void {
    this.#committed.push(listener);
  }

  /** Called after this replica adopted a status decided by another. */
  onAdopted(listener: (row: StatusRow) => void): void {
    this.#adopted.push(listener);
  }

  /** Commits the tracker's state if it differs from the decided one; one commit at a time. */
  offer(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#decide().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.offer();
      }
    });
  }

  /** Resolves when no commit is in flight (shutdown, tests). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** A status row read from the store (a peer's notification, a lost race): adopted if newer than ours. */
  adopt(row: StatusRow): void {
    if (row.version <= this.#row.version || row.status === null) return;
    this.#row = row;
    this.options.tracker.adopt(row.status);
    for (const listener of this.#adopted) listener(row);
  }

  async #decide(): Promise<void> {
    const { tracker, store, log } = this.options;
    const evaluation = tracker.evaluation;
    const status = evaluation.status;
    const decided = this.#row.status;
    if (decided && decided.state === status.state) return;
    // The first status of a new database is no transition: nothing to announce or record.
    const transition: Transition | null = decided
      ? { id: transitionId(decided, status), status, previous: decided, alarmPops: findAlarmPops(evaluation) }
      : null;
    let result;
    try {
      result = await store.commitTransition({
        expectedVersion: this.#row.version,
        status,
        change: transition ? historyLine(status, transition.previous) : null,
        deliveries: transition ? this.#planners.flatMap((plan) => plan(transition)) : [],
        now: this.options.scheduleNow(),
      });
    } catch (error) {
      log.error(
        { err: error, state: status.state },
        'the status transition could not be committed (storage); it is tried again at the next evaluation',
      );
      return;
    }
    if (result.committed) {
      this.#row = result.current;
      if (transition) for (const listener of this.#committed) listener(transition);
      return;
    }
    log.warn(
      { state: status.state, decided: result.current.status?.state, version: result.current.version },
      'another replica decided the status first; adopting its decision',
    );
    this.adopt(result.current);
  }
}
