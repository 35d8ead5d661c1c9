/**
 * SIGINT, SIGTERM and crashes as one stop request: the first one aborts an
 * AbortSignal the command listens to; later ones are ignored, so a Ctrl-C in
 * a terminal (SIGINT to the whole process group) followed by a supervisor's
 * SIGTERM cannot cut a clean stop short — a stop that hangs is ended by the
 * frame's timeout instead.
 */

/** Where the events come from: `process`, or an EventEmitter in tests. */
export interface ProcessEvents {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Why a command is asked to stop. */
export interface StopRequest {
  /** `SIGTERM`, `SIGINT`, `uncaught exception`, `unhandled rejection`. */
  why: string;
  /** The error of a crash; absent for a signal. */
  error?: unknown;
}

export interface StopListener {
  /** Aborted on the first request; `signal.reason` is the StopRequest. */
  signal: AbortSignal;
  /** The first request, once made. */
  request(): StopRequest | undefined;
  onStop(callback: () => void): void;
  onDispose(callback: () => void): void;
  /** Removes every listener it installed. */
  dispose(): void;
}

export function listenForStop(events: ProcessEvents): StopListener {
  const controller = new AbortController();
  let first: StopRequest | undefined;
  const disposers: (() => void)[] = [];
  const request = (stop: StopRequest) => {
    if (first) return;
    first = stop;
    controller.abort(stop);
  };
  const handlers: [string, (...args: unknown[]) => void][] = [
    ['SIGTERM', () => request({ why: 'SIGTERM' })],
    ['SIGINT', () => request({ why: 'SIGINT' })],
    ['uncaughtException', (error) => request({ why: 'uncaught exception', error })],
    ['unhandledRejection', (error) => request({ why: 'unhandled rejection', error })],
  ];
  for (const [event, handler] of handlers) events.on(event, handler);
  disposers.push(() => {
    for (const [event, handler] of handlers) events.off(event, handler);
  });
  return {
    signal: controller.signal,
    request: () => first,
    onStop(callback) {
      if (controller.signal.aborted) return callback();
      controller.signal.addEventListener('abort', callback, { once: true });
    },
    onDispose(callback) {
      disposers.push(callback);
    },
    dispose() {
      for (const dispose of disposers.splice(0)) dispose();
    },
  };
}

/** Resolves when `signal` aborts (at once if it already has): what a server command awaits after it started. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** What a stop request says stopped the command ("SIGTERM"), for a log line. */
export function stopReasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return typeof reason === 'object' && reason !== null && 'why' in reason ? String(reason.why) : 'stop requested';
}
