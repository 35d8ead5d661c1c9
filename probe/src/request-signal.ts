/**
 * An abort signal for one HTTP request: it fires after `timeoutMs` or when the
 * long-lived `parent` (the probe's shutdown signal) fires. Unlike
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])`, it leaves nothing
 * behind on `parent` once disposed: on Node 20 every `AbortSignal.any` call
 * registers the new signal with its sources for good, so a per-request call
 * on a process-lifetime signal grows without bound (nodejs/node#55351).
 */
export interface RequestSignal {
  readonly signal: AbortSignal;
  /** True when the timeout (not the parent) aborted the request. */
  readonly timedOut: boolean;
  /** Clears the timer and the listener on `parent`; call it in `finally`. */
  dispose(): void;
}

export function createRequestSignal(timeoutMs: number, parent?: AbortSignal): RequestSignal {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
