/**
 * Queries in flight grouped by the caller's AbortSignal, with one listener
 * per signal rather than one per query: the round engine puts every query of
 * a round under the same deadline signal, and adding and removing a listener
 * per query would cost thousands of EventTarget calls a second. A group lives
 * as long as its signal (a WeakMap): a signal that never aborts leaves nothing
 * behind once it is dropped.
 */
export class AbortGroups<T> {
  private readonly groups = new WeakMap<AbortSignal, Set<T>>();

  /** `onAbort` gets the members of a group whose signal aborted, at that moment. */
  constructor(private readonly onAbort: (members: T[]) => void) {}

  /** The group of `signal`; the caller adds a member while it is in flight and deletes it when it settles. */
  groupOf(signal: AbortSignal): Set<T> {
    let group = this.groups.get(signal);
    if (group === undefined) {
      const members = (group = new Set<T>());
      this.groups.set(signal, members);
      signal.addEventListener('abort', () => this.onAbort([...members]), { once: true });
    }
    return group;
  }
}
