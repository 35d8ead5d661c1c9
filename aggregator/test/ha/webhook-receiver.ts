/**
 * A webhook receiver for the HA chaos test: a loopback HTTP server that
 * records every delivery (its `webhook-id` header, the transition the slack
 * payload names, when it arrived) and answers 204, so the test can count the
 * distinct ids per transition the way a deduplicating receiver would.
 */
import { createServer, type Server } from 'node:http';

export interface Delivery {
  /** The Standard Webhooks `webhook-id` header ('' when missing). */
  id: string;
  previousState: string;
  state: string;
  since: string;
  /** Wall-clock ms when it arrived. */
  receivedAt: number;
}

/** A delivery held unanswered, so the test can kill its sender mid-delivery. */
export interface Hold {
  /** Resolves with the first delivery that matched. */
  arrived: Promise<Delivery>;
  /** True once the sender closed the connection before the answer (it died mid-delivery). */
  readonly peerClosed: boolean;
  /** Answers the held delivery (204) if its sender is still there. */
  release(): void;
}

export interface WebhookReceiver {
  url: string;
  readonly deliveries: readonly Delivery[];
  /** Bodies that were not the slack payload (should stay empty). */
  readonly malformed: readonly string[];
  /** Holds the next delivery that matches without answering it, until released. */
  hold(match: (delivery: Delivery) => boolean): Hold;
  close(): Promise<void>;
}

/** Bodies are bounded: a transition's payload is well under this. */
const MAX_BODY = 64 * 1024;

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const malformed: string[] = [];
  let pendingHold:
    | {
        match: (d: Delivery) => boolean;
        trigger: (d: Delivery, respond: () => void, socketClosed: Promise<void>) => void;
      }
    | undefined;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      if (body.length < MAX_BODY) body += chunk;
    });
    request.on('end', () => {
      const respond = () => {
        if (!response.destroyed) response.writeHead(204).end();
      };
      let delivery: Delivery;
      try {
        const payload = JSON.parse(body) as { previousState?: unknown; state?: unknown; since?: unknown };
        if (typeof payload.state !== 'string' || typeof payload.previousState !== 'string') throw new Error('shape');
        delivery = {
          id: String(request.headers['webhook-id'] ?? ''),
          previousState: payload.previousState,
          state: payload.state,
          since: String(payload.since),
          receivedAt: Date.now(),
        };
      } catch {
        malformed.push(body.slice(0, 200));
        return respond();
      }
      deliveries.push(delivery);
      const hold = pendingHold;
      if (hold?.match(delivery)) {
        pendingHold = undefined;
        hold.trigger(delivery, respond, new Promise((resolve) => request.socket.once('close', () => resolve())));
        return;
      }
      respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    deliveries,
    malformed,
    hold(match) {
      let arrived!: (d: Delivery) => void;
      let answer: (() => void) | undefined;
      let released = false;
      const state = { peerClosed: false };
      pendingHold = {
        match,
        trigger: (delivery, respond, socketClosed) => {
          answer = respond;
          // The socket closing before we answered: the sender is gone (the kernel closes a killed process's sockets).
          void socketClosed.then(() => {
            if (!released) state.peerClosed = true;
          });
          arrived(delivery);
          if (released) respond();
        },
      };
      const held: Hold = {
        arrived: new Promise<Delivery>((resolve) => (arrived = resolve)),
        get peerClosed() {
          return state.peerClosed;
        },
        release() {
          released = true;
          answer?.();
        },
      };
      return held;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ReceivedTransition {
  id: string;
  previousState: string;
  state: string;
  since: string;
  /** Deliveries that carried this id (retries and redeliveries by another replica). */
  deliveries: number;
  firstAt: number;
}

/**
 * What a receiver that dedups by `webhook-id` sees: one entry per distinct id, in the order the
 * transitions happened (`since`). `conflicts` lists ids that arrived with two different transitions.
 */
export function distinctTransitions(deliveries: readonly Delivery[]): {
  transitions: ReceivedTransition[];
  conflicts: string[];
} {
  const byId = new Map<string, ReceivedTransition>();
  const conflicts: string[] = [];
  for (const d of deliveries) {
    const seen = byId.get(d.id);
    if (!seen) {
      byId.set(d.id, { ...d, deliveries: 1, firstAt: d.receivedAt });
      continue;
    }
    seen.deliveries += 1;
    if (seen.state !== d.state || seen.previousState !== d.previousState || seen.since !== d.since)
      conflicts.push(`${d.id}: ${seen.previousState}→${seen.state} and ${d.previousState}→${d.state}`);
  }
  const transitions = [...byId.values()].sort((a, b) => Date.parse(a.since) - Date.parse(b.since));
  return { transitions, conflicts };
}
